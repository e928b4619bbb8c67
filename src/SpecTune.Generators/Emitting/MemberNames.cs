using System.Collections.Generic;
using System.Text;

namespace SpecTune.Generators.Emitting
{
    /// <summary>How spec names become C# member names, and which names the generated class already uses.</summary>
    internal static class MemberNames
    {
        /// <summary>
        /// Members the generated class itself declares: a group property may not take one of these names. The base class's
        /// members (FineTuneModel's and object's) are read from the compilation (CompilationChecks), not listed here.
        /// </summary>
        public static readonly HashSet<string> Reserved = new HashSet<string>(System.StringComparer.Ordinal)
        {
            "Spec", "Head", "Base", "Phase", "Enter", "Create", "Load", "Predict", "PredictBatch", "Hyperparameters",
        };

        /// <summary>`head-only` becomes `HeadOnly`, `layer_4` becomes `Layer4`: each run between `-` and `_` is capitalised.</summary>
        public static string Pascal(string name)
        {
            var text = new StringBuilder(name.Length);
            bool upper = true;
            foreach (var c in name)
            {
                if (c == '-' || c == '_')
                {
                    upper = true;
                    continue;
                }
                text.Append(upper ? char.ToUpperInvariant(c) : c);
                upper = false;
            }
            return text.ToString();
        }
    }
}

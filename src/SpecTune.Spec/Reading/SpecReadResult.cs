namespace SpecTune.Spec
{
    /// <summary>The outcome of reading a spec: the spec (null when any diagnostic is an error) and every problem found.</summary>
    public sealed record SpecReadResult(FineTuneSpec? Spec, EquatableArray<SpecDiagnostic> Diagnostics)
    {
        public bool HasErrors
        {
            get
            {
                foreach (var diagnostic in Diagnostics)
                    if (diagnostic.IsError) return true;
                return false;
            }
        }
    }
}

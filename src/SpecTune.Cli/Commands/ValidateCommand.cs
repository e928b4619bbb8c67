using System.CommandLine;
using SpecTune.Freezing;
using SpecTune.Planning;
using SpecTune.Spec;

namespace SpecTune.Cli.Commands;

/// <summary>
/// <c>spectune validate SPEC</c>: the spec checks (the same diagnostics the generator reports), then the group
/// patterns against the network's real parameter names (builds it through the plan, no data or weights read);
/// with <c>--deep</c>, everything training would check before its first step (data files, shapes, classes, weights).
/// </summary>
internal static class ValidateCommand
{
    public static Command Create(CliConsole console)
    {
        var spec = new Argument<string>("spec") { Description = "The *.spectune.yaml file." };
        var deep = new Option<bool>("--deep") { Description = "Also open the data and load the base weights, as training would." };
        var command = new Command("validate", "Check a spec; errors print as path(line,col): error SPTnnnn: message.") { spec, deep };
        command.SetAction(parse => Run(console, parse.GetValue(spec)!, parse.GetValue(deep)));
        return command;
    }

    private static int Run(CliConsole console, string specPath, bool deep)
    {
        var file = SpecFile.Load(specPath, console);
        if (file is null) return ExitCodes.Error;
        try
        {
            if (deep)
            {
                using var job = FineTuneJob.FromSpec(file.Spec, file.Directory);
                if (job.WeightReport is { } loaded)
                    foreach (var warning in loaded.Warnings) console.Error.WriteLine($"{specPath}: warning: {warning}");
            }
            else
            {
                // Cheap: only the parameters' names and shapes matter here; base.input stands in for the data's shape
                // (a zoo architecture or an imported ONNX graph, as training builds it).
                using var network = FineTunePlan.CompileChecked(file.Spec, file.Directory).CreateNetwork();
                ParameterGroups.Resolve(network, file.Spec);
            }
        }
        catch (Exception error) when (RunErrors.Describe(error) is { } diagnostics)
        {
            foreach (var diagnostic in diagnostics) console.Error.WriteLine(diagnostic);
            return ExitCodes.Error;
        }
        int warnings = file.Diagnostics.Count(d => d.Severity == SpecSeverity.Warning);
        console.Out.WriteLine($"{specPath}: ok{(warnings > 0 ? $" ({warnings} warning{(warnings == 1 ? "" : "s")})" : "")}");
        return ExitCodes.Success;
    }
}

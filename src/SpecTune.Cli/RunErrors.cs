using SpecTune.Checkpoints;
using SpecTune.Data;
using SpecTune.Spec;
using SpecTune.Training;
using SpecTune.Weights;

namespace SpecTune.Cli;

/// <summary>
/// Turns what can go wrong while running a spec into diagnostics at the spec line that caused it, so that
/// a build shows a missing data file at `data.train` and a bad weights file at `base.weights`
/// (ids SPT03xx, docs/diagnostics.md).
/// </summary>
internal static class RunErrors
{
    public const string DataProblem = "SPT0300";
    public const string WeightsProblem = "SPT0301";
    public const string Diverged = "SPT0302";
    public const string CheckpointProblem = "SPT0303";
    public const string CannotBuild = "SPT0304";
    public const string SpecNotFound = "SPT0305";

    /// <summary>The diagnostics for <paramref name="error"/>, or null when it is not one the CLI explains (a bug: let it surface).</summary>
    public static IReadOnlyList<SpecDiagnostic>? Describe(Exception error, SpecFile file)
    {
        var spec = file.Spec;
        SpecDiagnostic At(string id, string specPath, string message) =>
            new(id, SpecSeverity.Error, OneLine(message), spec.SourcePath, spec.Locations.Find(specPath));

        switch (error)
        {
            case SpecException specError:
                return specError.Diagnostics;
            case SpecTune.Faults.RunFaultException fault:
                return new[] { At(fault.Id, fault.SpecKey ?? "", fault.Message) };
            case DataException data:
                return new[] { At(DataProblem, DataLocation(file, data.Path), data.Message) };
            case WeightLoadException or WeightsFormatException:
                return new[] { At(WeightsProblem, "base.weights", error.Message) };
            case SpecTune.Onnx.OnnxImportException:
                return new[] { At(CannotBuild, "base.onnx", error.Message) };
            case FileNotFoundException missing when spec.Base.Onnx is not null && SamePath(missing.FileName, file.Resolve(spec.Base.Onnx)):
                return new[] { At(CannotBuild, "base.onnx", $"{file.Resolve(spec.Base.Onnx)}: ONNX model not found") };
            case FileNotFoundException missing when spec.Base.Weights is not null && SamePath(missing.FileName, file.Resolve(spec.Base.Weights)):
                return new[] { At(WeightsProblem, "base.weights", $"{file.Resolve(spec.Base.Weights)}: weights file not found") };
            case FileNotFoundException or DirectoryNotFoundException:
                return new[] { At(DataProblem, "data", error.Message) };
            case TrainingDivergedException:
                var phase = spec.Phases.Select((p, i) => (p, i)).FirstOrDefault(x => error.Message.Contains($"phase '{x.p.Name}'", StringComparison.Ordinal));
                return new[] { At(Diverged, phase.p is null ? "optimizer" : $"phases[{phase.i}]", error.Message) };
            case CheckpointException:
                return new[] { At(CheckpointProblem, "", error.Message + " (delete the checkpoint folder, or run without --resume)") };
            // The zoo reports a network it cannot build (e.g. a cnn on flat samples) as ArgumentException; other
            // ArgumentExceptions are bugs and must surface with their stack.
            case ArgumentException when error.StackTrace?.Contains("ModelZoo", StringComparison.Ordinal) == true:
                return new[] { At(CannotBuild, "base", error.Message) };
            default:
                return null;
        }
    }

    /// <summary>The spec path naming <paramref name="path"/>: the data source (or its labels) whose file or folder holds it.</summary>
    private static string DataLocation(SpecFile file, string path)
    {
        var data = file.Spec.Data;
        foreach (var (source, name) in new[] { (data.Train, "data.train"), (data.Valid, "data.valid") })
        {
            if (source is null) continue;
            var location = file.Resolve(source.Path);
            bool idxPair = source.Labels is not null;
            if (SamePath(path, location) || path.StartsWith(location.TrimEnd('/') + "/", StringComparison.Ordinal))
                return idxPair ? name + ".images" : name;
            if (idxPair && SamePath(path, file.Resolve(source.Labels!)))
                return name + ".labels";
        }
        return "data";
    }

    private static bool SamePath(string? a, string b) =>
        a is not null && string.Equals(Path.GetFullPath(a), b, StringComparison.Ordinal);

    /// <summary>Build logs parse one line per error; continuation lines become "; "-separated.</summary>
    private static string OneLine(string message) =>
        string.Join("; ", message.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
}

using SpecTune.Checkpoints;
using SpecTune.Data;
using SpecTune.Faults;
using SpecTune.Spec;
using SpecTune.Training;
using SpecTune.Weights;

namespace SpecTune.Planning;

/// <summary>
/// What goes wrong while running a spec, as a <see cref="SpecException"/> at the field that caused it (ids
/// SPT0300-SPT0303, docs/diagnostics.md): a missing data file at <c>data.train</c>, a bad weights file at
/// <c>base.weights</c>, a diverged phase at <c>phases[i]</c>, a fault (SPT033x) at its key. The runtime's own
/// exception is the inner exception.
/// </summary>
internal static class SpecErrors
{
    /// <summary>Runs <paramref name="action"/>, throwing what goes wrong as the spec error <see cref="Translate"/> gives for it.</summary>
    public static T Translating<T>(FineTunePlan plan, Func<T> action)
    {
        try
        {
            return action();
        }
        catch (Exception error) when (Translate(plan, error) is { } specError)
        {
            throw specError;
        }
    }

    /// <inheritdoc cref="Translating{T}"/>
    public static void Translating(FineTunePlan plan, Action action) => Translating(plan, () => { action(); return 0; });

    /// <summary>The spec error for <paramref name="error"/>, or null when it is not one a spec field explains (a bug: let it surface).</summary>
    public static SpecException? Translate(FineTunePlan plan, Exception error) => error switch
    {
        RunFaultException fault => new SpecException(new SpecDiagnostic(fault.Id, SpecSeverity.Error, OneLine(fault.Message),
            plan.Spec.SourcePath, plan.Spec.Locations.Find(fault.SpecKey ?? "")), fault),
        DataException data => At(plan, SpecDiagnostics.DataProblem, DataField(plan, data.Path), data.Message, error),
        WeightLoadException or WeightsFormatException => At(plan, SpecDiagnostics.WeightsProblem, "base.weights", error.Message, error),
        FileNotFoundException missing when plan.BaseWeightsPath is { } weights && SamePath(missing.FileName, weights) =>
            At(plan, SpecDiagnostics.WeightsProblem, "base.weights", $"{weights}: weights file not found", error),
        TrainingDivergedException diverged => At(plan, SpecDiagnostics.TrainingDiverged, PhaseField(plan, diverged.Phase), error.Message, error),
        CheckpointException => At(plan, SpecDiagnostics.CheckpointProblem, "", error.Message, error),
        _ => null,
    };

    private static SpecException At(FineTunePlan plan, SpecDiagnosticDescriptor descriptor, string field, string message, Exception inner) =>
        new(descriptor.Create(plan.Spec.SourcePath, plan.Spec.Locations.Find(field), OneLine(message)), inner);

    /// <summary>The field naming <paramref name="path"/>: the data source (or its labels) whose file or folder holds it.</summary>
    private static string DataField(FineTunePlan plan, string path)
    {
        var data = plan.Spec.Data;
        foreach (var (source, name) in new[] { (data.Train, "data.train"), (data.Valid, "data.valid") })
        {
            if (source is null) continue;
            var location = SpecPaths.Resolve(plan.BaseDirectory, source.Path)!;
            bool idxPair = source.Labels is not null;
            if (SamePath(path, location) || path.StartsWith(location.TrimEnd('/') + "/", StringComparison.Ordinal))
                return idxPair ? name + ".images" : name;
            if (idxPair && SamePath(path, SpecPaths.Resolve(plan.BaseDirectory, source.Labels)!))
                return name + ".labels";
        }
        return "data";
    }

    /// <summary>The phase named <paramref name="phase"/>; the optimizer when no phase of the spec has that name.</summary>
    private static string PhaseField(FineTunePlan plan, string? phase)
    {
        var index = plan.Spec.Phases.Select((p, i) => (p.Name, i)).FirstOrDefault(x => x.Name == phase, (Name: "", i: -1)).i;
        return index < 0 ? "optimizer" : $"phases[{index}]";
    }

    private static bool SamePath(string? a, string b) =>
        a is not null && string.Equals(Path.GetFullPath(a), Path.GetFullPath(b), StringComparison.Ordinal);

    /// <summary>Build logs parse one line per error; continuation lines become "; "-separated.</summary>
    private static string OneLine(string message) =>
        string.Join("; ", message.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
}

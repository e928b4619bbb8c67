using System.CommandLine;
using System.Globalization;
using SpecTune.Freezing;
using SpecTune.Models;
using SpecTune.Planning;
using SpecTune.Spec;
using SpecTune.Training;
using SpecTune.Weights;

namespace SpecTune.Cli.Commands;

/// <summary>
/// <c>spectune inspect FILE|ARCH [--spec SPEC]</c>: the parameters of a weights file (safetensors, PyTorch, .dat) or a
/// zoo architecture (name, shape, dtype), the group a spec assigns each to, and trainable/frozen counts per phase; an
/// ONNX model's initializers and nodes, a spec's phases, a metrics log's epochs. The kind is told by the content.
/// </summary>
internal static class InspectCommand
{
    public static Command Create(CliConsole console)
    {
        var target = new Argument<string>("target") { Description = $"A file ({InspectedFile.Expected}), or an architecture: {string.Join(", ", ModelZoo.Architectures)}." };
        var spec = new Option<string?>("--spec") { Description = "Assign parameters to the spec's groups and count trainable/frozen weights per phase." };
        var input = new Option<string?>("--input") { Description = "Sample shape for an architecture without --spec, e.g. 3,224,224 (default: 784 for mlp, 1,28,28 for cnn, 3,224,224 for resnets)." };
        var command = new Command("inspect", "List parameters with shapes, dtypes and groups; count trainable and frozen weights per phase.") { target, spec, input };
        command.SetAction(parse => Run(console, parse.GetValue(target)!, parse.GetValue(spec), parse.GetValue(input)));
        return command;
    }

    private static int Run(CliConsole console, string target, string? specPath, string? inputText)
    {
        SpecFile? file = null;
        if (specPath is not null && (file = SpecFile.Load(specPath, console)) is null) return ExitCodes.Error;
        bool isArchitecture = ModelZoo.Architectures.Contains(target) && !File.Exists(target);
        if (!isArchitecture && !File.Exists(target))
        {
            console.Error.WriteLine($"spectune: error: '{target}' is neither a file nor an architecture ({string.Join(", ", ModelZoo.Architectures)})");
            return ExitCodes.Error;
        }

        InspectedKind? kind = null;
        if (!isArchitecture)
        {
            kind = InspectedFile.Detect(target);
            if (kind is null)
            {
                console.Error.WriteLine($"{target}: error: not a file spectune inspect reads; expected {InspectedFile.Expected}");
                return ExitCodes.Error;
            }
            if (kind == InspectedKind.Spec) return InspectListings.Spec(console, target);
            if (kind == InspectedKind.MetricsLog) return InspectListings.MetricsLog(console, target);
            if (kind == InspectedKind.Onnx) return InspectListings.Onnx(console, target, InspectedFile.ReadOnnx(target)!);
        }

        try
        {
            // The network is needed for groups (--spec) and for an architecture's own listing.
            using var network = file is not null || isArchitecture ? BuildNetwork(isArchitecture ? target : null, file, inputText) : null;
            var groups = file is not null && network is not null ? ParameterGroups.Resolve(network, file.Spec) : null;
            // A file names a one-layer head as torchvision does (fc.weight for the network's fc.0.weight).
            string GroupOf(string fileName) => GroupOfModuleName(network is null ? fileName : HeadNames.ModuleNameOf(network, fileName));
            string GroupOfModuleName(string name) =>
                groups?.All.FirstOrDefault(g => g.Parameters.Any(p => p.Key == name))?.Name
                ?? (network is not null && name.StartsWith(network.HeadSlot + ".", StringComparison.Ordinal) ? "(old head, replaced)" : "-");

            var rows = new List<string[]>();
            if (isArchitecture)
            {
                foreach (var (name, parameter) in network!.named_parameters())
                    rows.Add(new[] { name, Shape(parameter.shape), parameter.dtype.ToString().ToLowerInvariant(), GroupOf(name) });
                console.Out.WriteLine($"{target}: {rows.Count} parameter tensors, {network.parameters().Sum(p => p.numel()):N0} weights");
            }
            else if (kind == InspectedKind.SafeTensors)
            {
                using var weights = SafeTensors.Read(target);
                long total = 0;
                foreach (var name in weights.Names)
                {
                    var info = weights.TensorInfo(name);
                    total += info.ElementCount;
                    rows.Add(new[] { name, Shape(info.Shape), info.DType, network is null ? "" : GroupOf(name) });
                }
                console.Out.WriteLine($"{target}: {rows.Count} tensors, {total:N0} values");
            }
            else
            {
                var tensors = WeightFiles.Read(target);
                try
                {
                    foreach (var (name, tensor) in tensors)
                        rows.Add(new[] { name, Shape(tensor.shape), tensor.dtype.ToString().ToLowerInvariant(), network is null ? "" : GroupOf(name) });
                    var format = kind == InspectedKind.PyTorch ? "PyTorch state dict" : "TorchSharp .dat file";
                    console.Out.WriteLine($"{target}: {format}, {rows.Count} tensors, {tensors.Values.Sum(t => t.numel()):N0} values");
                }
                finally
                {
                    foreach (var tensor in tensors.Values) tensor.Dispose();
                }
            }
            WriteTable(console.Out, file is null ? new[] { "name", "shape", "dtype" } : new[] { "name", "shape", "dtype", "group" },
                rows.Select(r => file is null ? r[..3] : r).ToList());

            if (file is not null && network is not null && groups is not null)
            {
                console.Out.WriteLine();
                var groupRows = groups.All.Select(g => new[] { g.Name, g.Parameters.Count.ToString(CultureInfo.InvariantCulture), g.ElementCount.ToString("N0", CultureInfo.InvariantCulture) }).ToList();
                WriteTable(console.Out, new[] { "group", "tensors", "weights" }, groupRows);
                console.Out.WriteLine();
                var freeze = new FreezeController(network, groups);
                var phaseRows = new List<string[]>();
                foreach (var phase in PhasePlanner.Plan(file.Spec))
                {
                    freeze.Enter(phase);
                    var census = freeze.Census();
                    phaseRows.Add(new[]
                    {
                        phase.Name,
                        census.Sum(c => c.Trainable).ToString("N0", CultureInfo.InvariantCulture),
                        census.Sum(c => c.Frozen).ToString("N0", CultureInfo.InvariantCulture),
                        string.Join(", ", phase.TrainedGroups),
                    });
                }
                WriteTable(console.Out, new[] { "phase", "trainable", "frozen", "trains" }, phaseRows);
            }
            return ExitCodes.Success;
        }
        catch (Exception error) when (file is not null && RunErrors.Describe(error) is { } diagnostics)
        {
            foreach (var diagnostic in diagnostics) console.Error.WriteLine(diagnostic);
            return ExitCodes.Error;
        }
        catch (Exception error) when (error is WeightsFormatException or IOException or ArgumentException or FormatException or OverflowException)
        {
            console.Error.WriteLine($"spectune: error: {error.Message}");
            return ExitCodes.Error;
        }
    }

    private static FineTuneNetwork BuildNetwork(string? architecture, SpecFile? file, string? inputText)
    {
        if (file is not null)
        {
            var baseSpec = architecture is null ? file.Spec.Base : file.Spec.Base with { Architecture = architecture };
            return FineTunePlan.CompileChecked(file.Spec with { Base = baseSpec }, file.Directory).CreateNetwork();
        }
        // Without a spec there is no head: a one-unit linear layer stands in for it, so the base's names are exact.
        var input = inputText is not null
            ? inputText.Split(',', StringSplitOptions.TrimEntries).Select(s => int.Parse(s, CultureInfo.InvariantCulture)).ToArray()
            : architecture switch { "mlp" => new[] { 784 }, "cnn" => new[] { 1, 28, 28 }, _ => new[] { 3, 224, 224 } };
        var head = new HeadSpec(null, new EquatableArray<HeadLayerSpec>(new[] { new HeadLayerSpec(HeadLayerKind.Linear, 1, null) }));
        var baseOnly = new BaseSpec(architecture!, null, new EquatableArray<int>(input), EquatableArray<int>.Empty, true);
        return ModelZoo.Create(baseOnly, head, input);
    }

    private static string Shape(IEnumerable<long> shape) => "[" + string.Join(", ", shape) + "]";

    internal static void WriteTable(TextWriter output, string[] header, IReadOnlyList<string[]> rows)
    {
        var widths = header.Select((h, i) => Math.Max(h.Length, rows.Count == 0 ? 0 : rows.Max(r => r[i].Length))).ToArray();
        output.WriteLine(string.Join("  ", header.Select((h, i) => h.PadRight(widths[i]))).TrimEnd());
        foreach (var row in rows) output.WriteLine(string.Join("  ", row.Select((c, i) => c.PadRight(widths[i]))).TrimEnd());
    }
}

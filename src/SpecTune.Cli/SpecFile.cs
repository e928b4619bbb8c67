using SpecTune.Spec;

namespace SpecTune.Cli;

/// <summary>A spec read from disk for a command, with the path its diagnostics name.</summary>
internal sealed class SpecFile
{
    private SpecFile(FineTuneSpec spec, string fullPath, IReadOnlyList<SpecDiagnostic> diagnostics)
    {
        Spec = spec;
        FullPath = fullPath;
        Diagnostics = diagnostics;
    }

    /// <summary>The spec; its <see cref="FineTuneSpec.SourcePath"/> is the path as given on the command line.</summary>
    public FineTuneSpec Spec { get; }

    public string FullPath { get; }

    /// <summary>Relative paths in the spec resolve against this folder.</summary>
    public string Directory => Path.GetDirectoryName(FullPath)!;

    /// <summary>Warnings (errors stop <see cref="Load"/>).</summary>
    public IReadOnlyList<SpecDiagnostic> Diagnostics { get; }

    /// <summary>A path from the spec, made absolute against the spec's folder.</summary>
    public string Resolve(string path) => SpecPaths.Resolve(Directory, path)!;

    /// <summary>
    /// Reads and checks <paramref name="path"/>, printing every diagnostic to the error writer as
    /// <c>path(line,col): error SPTnnnn: message</c>. Returns null when the file is missing or has errors.
    /// Diagnostics name the path as given, so that a build passing a full path gets full paths back.
    /// Warnings can be left out where another step reports them (the build lists files, then trains).
    /// </summary>
    public static SpecFile? Load(string path, CliConsole console, bool printWarnings = true)
    {
        var fullPath = Path.GetFullPath(path);
        if (!File.Exists(fullPath))
        {
            console.Error.WriteLine($"{path}: error {SpecDiagnostics.SpecNotFound.Id}: spec file not found ({fullPath})");
            return null;
        }
        var result = SpecYamlReader.Read(File.ReadAllText(fullPath), path);
        foreach (var diagnostic in result.Diagnostics.Where(d => d.IsError || printWarnings)) console.Error.WriteLine(diagnostic);
        if (result.Spec is null || result.Diagnostics.Any(d => d.IsError)) return null;
        return new SpecFile(result.Spec, fullPath, result.Diagnostics);
    }

    /// <summary>Every file training reads: the spec, its data files (each file of an image folder) and the base weights.</summary>
    public IReadOnlyList<string> Inputs()
    {
        var inputs = new List<string> { FullPath };
        foreach (var source in new[] { Spec.Data.Train, Spec.Data.Valid })
        {
            if (source is null) continue;
            var location = Resolve(source.Path);
            if (Spec.Data.Format == DataFormat.ImageFolder && System.IO.Directory.Exists(location))
                inputs.AddRange(System.IO.Directory.EnumerateFiles(location, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal));
            else
                inputs.Add(location);
            if (source.Labels is not null) inputs.Add(Resolve(source.Labels));
        }
        if (Spec.Base.Weights is not null) inputs.Add(Resolve(Spec.Base.Weights));
        // An imported ONNX base is an input too: a changed model retrains.
        if (Spec.Base.Onnx is not null) inputs.Add(Resolve(Spec.Base.Onnx));
        return inputs.Distinct(StringComparer.Ordinal).ToList();
    }

    /// <summary>What a finished run leaves: the fine-tuned weights (when the spec sets <c>output:</c>) and the latest checkpoint.</summary>
    public IReadOnlyList<string> Outputs()
    {
        var outputs = new List<string>();
        if (Spec.Output is not null) outputs.Add(Resolve(Spec.Output));
        outputs.Add(Path.Combine(CheckpointFolder, Checkpoints.CheckpointStore.LatestFileName));
        return outputs;
    }

    /// <summary>The runtime's checkpoint folder for this spec (its <c>checkpoints:</c>, else artifacts/NAME/checkpoints).</summary>
    public string CheckpointFolder => SpecPaths.CheckpointFolder(Spec, Directory);
}

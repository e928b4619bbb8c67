using SpecTune.Checkpoints;
using SpecTune.Spec;
using SpecTune.Tests.Weights;

namespace SpecTune.Tests.Checkpoints;

public sealed class OutputPreflightTests : IDisposable
{
    private readonly TempFolder _folder = new();

    private static FineTuneSpec Spec(string extra = "") => SpecYamlReader.Read($"""
        spectune: 1
        name: Tiny
        base: {"{"} architecture: mlp, input: [4], hidden: [8] {"}"}
        head:
          layers: [ {"{"}linear: 1{"}"}, sigmoid ]
        task: binary-classification
        data: {"{"} format: csv, train: train.csv {"}"}
        loss: binary-cross-entropy
        optimizer: {"{"} adam: {"{"} lr: 1.0e-2 {"}"} {"}"}
        phases:
          - {"{"} name: head-only, epochs: 1, train: [head] {"}"}
        output: out/tiny.safetensors
        {extra}
        """, "/specs/tiny.spectune.yaml").Spec!;

    [Fact]
    public void A_folder_under_a_file_cannot_be_written_and_is_named_at_its_key()
    {
        var blocker = _folder.File("blocker");
        File.WriteAllText(blocker, "a file where the output folder would be");
        var output = Path.Combine(blocker, "out", "tiny.safetensors");

        var error = Assert.Throws<SpecException>(() => OutputPreflight.CheckPaths(Spec(), [],
            [new OutputPreflight.Target(output, "output", "the trained weights")]));

        var diagnostic = Assert.Single(error.Diagnostics);
        Assert.Equal("SPT0330", diagnostic.Id);
        Assert.Contains(Path.Combine(blocker, "out"), diagnostic.Message);
        Assert.Equal(11, diagnostic.Span.StartLine); // `output:`
    }

    [Fact]
    public void A_missing_output_folder_is_created_before_training()
    {
        var output = _folder.File(Path.Combine("new", "deeper", "tiny.safetensors"));
        OutputPreflight.CheckPaths(Spec(), [], [new OutputPreflight.Target(output, "output", "the trained weights")]);
        Assert.True(Directory.Exists(Path.GetDirectoryName(output)));
        Assert.Empty(Directory.GetFileSystemEntries(Path.GetDirectoryName(output)!)); // the write probe is gone
    }

    [Fact]
    public void A_folder_at_the_checkpoint_path_is_an_error_at_checkpoints()
    {
        var checkpoints = _folder.File("checkpoints");
        var latest = new CheckpointStore(checkpoints).LatestPath;
        Directory.CreateDirectory(latest);

        var error = Assert.Throws<SpecException>(() => OutputPreflight.CheckPaths(Spec("checkpoints: ckpt"),
            [new OutputPreflight.Target(checkpoints, "checkpoints", "the checkpoint folder")],
            [new OutputPreflight.Target(latest, "checkpoints", "the latest checkpoint")]));

        var diagnostic = Assert.Single(error.Diagnostics);
        Assert.Equal("SPT0331", diagnostic.Id);
        Assert.Contains(latest, diagnostic.Message);
        Assert.Equal(12, diagnostic.Span.StartLine); // `checkpoints:`
    }

    [Fact]
    public void A_cuda_device_without_a_cuda_backend_is_an_error_at_device()
    {
        var spec = Spec("device: cuda");
        var error = Assert.Throws<SpecException>(() => OutputPreflight.CheckDevice(spec, cudaAvailable: false));
        var diagnostic = Assert.Single(error.Diagnostics);
        Assert.Equal("SPT0335", diagnostic.Id);
        Assert.Equal(12, diagnostic.Span.StartLine); // `device:`
        OutputPreflight.CheckDevice(spec, cudaAvailable: true);
        OutputPreflight.CheckDevice(Spec(), cudaAvailable: false);
    }

    public void Dispose() => _folder.Dispose();
}

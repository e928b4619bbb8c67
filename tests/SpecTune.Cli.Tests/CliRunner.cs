using SpecTune.Cli;

namespace SpecTune.Tests;

/// <summary>Runs spectune in-process and captures what it prints.</summary>
internal static class CliRunner
{
    public sealed record Result(int ExitCode, string Out, string Error)
    {
        public override string ToString() => $"exit {ExitCode}\n--- out\n{Out}\n--- error\n{Error}";
    }

    public static Result Run(params string[] args) => Run(CancellationToken.None, args);

    public static Result Run(CancellationToken cancel, params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        int code = CliApp.Run(args, new CliConsole(output, error, Interactive: false), cancel);
        return new Result(code, output.ToString(), error.ToString());
    }
}

/// <summary>A tiny two-class IDX data set and a spec that trains an MLP on it in well under a second.</summary>
internal static class TinySpec
{
    public static string Write(TestWorkspace workspace, string fileName = "tiny.spectune.yaml", string? replace = null, string? with = null)
    {
        if (!File.Exists(workspace.PathOf("train-images-idx3-ubyte.gz")))
        {
            workspace.WriteIdx("train", count: 64, classes: 2, seed: 1);
            workspace.WriteIdx("valid", count: 32, classes: 2, seed: 2);
        }
        var yaml = Yaml;
        if (replace is not null) yaml = yaml.Replace(replace, with, StringComparison.Ordinal);
        return workspace.WriteSpec(fileName, yaml);
    }

    /// <summary>Line 9 is `task:`; line 5 is the body group's pattern (tests assert these positions).</summary>
    public const string Yaml = """
        spectune: 1
        name: Tiny
        base: { architecture: mlp, input: [1, 12, 12], hidden: [8] }
        groups:
          body: ["layers.*"]
        head:
          layers: [ {linear: 1}, sigmoid ]
        # comment line
        task: binary-classification
        data:
          format: idx
          train: { images: train-images-idx3-ubyte.gz, labels: train-labels-idx1-ubyte.gz }
          valid: { images: valid-images-idx3-ubyte.gz, labels: valid-labels-idx1-ubyte.gz }
          batch-size: 16
        loss: binary-cross-entropy
        metrics: [accuracy]
        optimizer: { adam: { lr: 1.0e-2 } }
        phases:
          - { name: head-only, epochs: 2, train: [head] }
          - { name: unfreeze, epochs: 1, train: [head, body], lr: 1.0e-3 }
        seed: 7
        output: out/tiny.safetensors
        metrics-log: out/tiny.metrics.jsonl

        """;
}

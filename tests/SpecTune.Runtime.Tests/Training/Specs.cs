namespace SpecTune.Tests;

/// <summary>Spec texts for runtime tests over <see cref="TestWorkspace.WriteIdx"/> data.</summary>
internal static class Specs
{
    /// <summary>A small cnn, binary task over classes 0/1 of the synthetic data, two phases.</summary>
    public static string BinaryCnn(string extra = "", string phases = DefaultPhases, string head = "[ {linear: 1}, sigmoid ]",
        string weights = "", int seed = 3, string optimizer = "{ adam: { lr: 3.0e-3 } }") => $$"""
        spectune: 1
        name: TinyShirts
        base:
          architecture: cnn
          input: [1, 12, 12]
          hidden: [4, 8, 8]
        {{weights}}
        groups:
          stem: ["conv1.*", "bn1.*"]
          body: ["conv2.*", "bn2.*", "conv3.*", "bn3.*"]
        head:
          layers: {{head}}
        task: binary-classification
        data:
          format: idx
          train: { images: train-images-idx3-ubyte.gz, labels: train-labels-idx1-ubyte.gz }
          valid: { images: valid-images-idx3-ubyte.gz, labels: valid-labels-idx1-ubyte.gz }
          classes: [0, 1]
          batch-size: 16
          prefetch: 2
        loss: binary-cross-entropy
        metrics: [accuracy, f1, per-class-accuracy]
        optimizer: {{optimizer}}
        phases:
        {{phases}}
        seed: {{seed}}
        {{extra}}
        """;

    /// <summary>Pretrains the same cnn on four classes of `pre-*` data and writes `artifacts/base.safetensors`.</summary>
    public const string Pretrain = """
        spectune: 1
        name: TinyPretrain
        base: { architecture: cnn, input: [1, 12, 12], hidden: [4, 8, 8] }
        head: { layers: [ {linear: 4} ] }
        task: multiclass-classification
        data:
          format: idx
          train: { images: pre-images-idx3-ubyte.gz, labels: pre-labels-idx1-ubyte.gz }
          split: 0.25
          batch-size: 16
        loss: cross-entropy
        metrics: [accuracy]
        optimizer: { adam: { lr: 3.0e-3 } }
        phases:
          - { name: pretrain, epochs: 5, train: [head, base] }
        seed: 11
        output: artifacts/base.safetensors
        """;

    public const string DefaultPhases = """
          - name: head-only
            epochs: 2
            train: [head]
          - name: unfreeze
            epochs: 2
            train: [head, body, stem]
            lr: { head: 1.0e-3, body: 1.0e-3, stem: 1.0e-4 }
            schedule: cosine
        """;
}

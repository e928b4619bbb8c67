namespace SpecTune.Spec.Tests;

/// <summary>Spec texts shared by the tests, and helpers to locate text in them.</summary>
internal static class Samples
{
    /// <summary>A valid spec that uses every part of the grammar.</summary>
    public const string Full = """
        spectune: 1
        name: CatClassifier
        namespace: MyApp.Models
        base:
          architecture: resnet18
          weights: models/resnet18.safetensors
          input: [3, 224, 224]
          strict: false
        groups:
          stem: ["conv1.*", "bn1.*"]
          body:
            - "layer1.*"
            - "layer2.*"
          top: "layer4.*"
        head:
          replace: fc
          layers: [{linear: 64}, relu, {dropout: 0.2}, {linear: 1}, sigmoid]
        task: binary-classification
        data:
          format: idx
          train: {images: data/train-images.idx, labels: data/train-labels.idx}
          valid: data/valid
          batch-size: 16
          shuffle: false
          classes: [3, 5]
          prefetch: 4
          transforms:
            resize: [224, 224]
            channels: 3
            scale: 0.00392156862745098
            normalize: {mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225]}
            random-flip: true
            random-crop: 4
        loss: binary-cross-entropy
        metrics: [accuracy, f1, confusion-matrix]
        optimizer:
          adamw: {lr: 1.0e-3, weight-decay: 0.01, betas: [0.8, 0.99], eps: 1e-7, grad-clip: 1.5}
        phases:
          - name: head-only
            epochs: 3
            train: [head]
          - name: unfreeze-top
            epochs: 10
            train: [head, top, body]
            lr: { head: 1.0e-4, top: 1.0e-4, body: 1.0e-5 }
            schedule: {one-cycle: {pct-start: 0.25, min-lr-factor: 0.01, warmup-ratio: 0.1}}
            batch-norm: train-affine
        early-stopping: { monitor: val-f1, mode: max, patience: 5, min-delta: 0.001, restore-best: false }
        regularization: { l2-sp: 0.01 }
        seed: 42
        output: artifacts/cat.safetensors
        checkpoints: artifacts/checkpoints
        metrics-log: artifacts/metrics.jsonl
        device: cuda:0
        threads: 2
        batch-norm: train-all

        """;

    /// <summary>The smallest valid spec: every optional key left to its default.</summary>
    public const string Minimal = """
        spectune: 1
        name: Digits
        base: { architecture: mlp, input: [784] }
        head: { layers: [{linear: 10}] }
        task: multiclass-classification
        data: { format: idx, train: data/mnist }
        loss: cross-entropy
        optimizer: { sgd: { lr: 0.1 } }
        phases:
          - { name: all, epochs: 1, train: [head] }

        """;

    /// <summary><paramref name="text"/> with the one occurrence of <paramref name="from"/> replaced; fails if it is not there exactly once.</summary>
    public static string Replace(string text, string from, string to)
    {
        int first = text.IndexOf(from, StringComparison.Ordinal);
        Assert.True(first >= 0, $"'{from}' is not in the sample");
        Assert.True(text.IndexOf(from, first + 1, StringComparison.Ordinal) < 0, $"'{from}' is in the sample more than once");
        return text.Substring(0, first) + to + text.Substring(first + from.Length);
    }

    /// <summary>The 1-based line and column where the <paramref name="occurrence"/>-th <paramref name="needle"/> starts, counted independently of the reader.</summary>
    public static (int Line, int Column) Position(string text, string needle, int occurrence = 1)
    {
        int offset = -1;
        for (int i = 0; i < occurrence; i++)
        {
            offset = text.IndexOf(needle, offset + 1, StringComparison.Ordinal);
            Assert.True(offset >= 0, $"'{needle}' (occurrence {occurrence}) is not in the text");
        }
        var before = text.Substring(0, offset);
        int line = before.Count(c => c == '\n') + 1;
        int column = offset - (before.LastIndexOf('\n') + 1) + 1;
        return (line, column);
    }

    public static (int Line, int Column) Display(SourceSpan span) => (span.StartLine + 1, span.StartColumn + 1);
}

namespace SpecTune.Spec.Tests;

/// <summary>Each kind of mistake, made once in the full sample: the right id, at the right line and column.</summary>
public class DiagnosticLocationTests
{
    /// <summary>from, to, expected id, text the diagnostic must start at (in the edited spec), which occurrence of it.</summary>
    public static TheoryData<string, string, string, string, int> Mistakes => new()
    {
        // Reading.
        { "  shuffle: false", "  shufle: false", "SPT0004", "shufle", 1 },
        { "adamw: {lr: 1.0e-3,", "adamw: {lr: 1.0e-3, momentum: 0.9,", "SPT0004", "momentum", 1 },
        { "{linear: 64}", "{linaer: 64}", "SPT0004", "linaer", 1 },
        { "batch-size: 16", "batch-size: sixteen", "SPT0006", "sixteen", 1 },
        { "batch-size: 16", "batch-size: \"16\"", "SPT0006", "\"16\"", 1 },
        { "regularization: { l2-sp: 0.01 }", "regularization: [0.01]", "SPT0006", "[0.01]", 1 },
        { "shuffle: false", "shuffle: maybe", "SPT0006", "maybe", 1 },
        { "betas: [0.8, 0.99]", "betas: [0.8]", "SPT0006", "[0.8]", 1 },
        { "train: [head, top, body]", "train: {head: 1}", "SPT0006", "{head: 1}", 1 },
        { "optimizer:\n  adamw:", "optimizer:\n  adamw: 0.1\n  sgd:", "SPT0006", "adamw: 0.1", 1 },
        { "data/valid", "[a, b]", "SPT0006", "[a, b]", 1 },
        { "format: idx", "format: csv", "SPT0006", "{images: data/train-images.idx", 1 },
        // With neither architecture nor onnx the base has no source; reported at the base mapping (its first key).
        { "  architecture: resnet18\n", "", "SPT0140", "weights:", 1 },
        { "    epochs: 3\n", "", "SPT0007", "name: head-only", 1 },
        { "adamw: {lr: 1.0e-3, ", "adamw: {", "SPT0007", "{weight-decay", 1 },
        { "task: binary-classification", "task: binary-clasification", "SPT0008", "binary-clasification", 1 },
        { "schedule: {one-cycle:", "schedule: {one-cycel:", "SPT0008", "one-cycel", 1 },
        { "batch-norm: train-all", "batch-norm: frozen", "SPT0008", "frozen", 1 },
        { ", sigmoid]", ", tanh]", "SPT0008", "tanh", 1 },
        { "spectune: 1", "spectune: 2", "SPT0009", "2", 1 },
        // Checking.
        { "name: CatClassifier", "name: 9Lives", "SPT0100", "9Lives", 1 },
        { "namespace: MyApp.Models", "namespace: MyApp..Models", "SPT0100", "MyApp..Models", 1 },
        { "  top: \"layer4.*\"", "  top: \"layer4.*\"\n  head: \"fc.*\"", "SPT0102", "head: \"fc.*\"", 1 },
        { "  top: \"layer4.*\"", "  top: \"layer4.*\"\n  base: \"conv1.*\"", "SPT0102", "base: \"conv1.*\"", 1 },
        { "  top: \"layer4.*\"", "  top: []", "SPT0103", "[]", 1 },
        { "name: unfreeze-top", "name: head-only", "SPT0104", "head-only", 2 },
        { "train: [head, top, body]", "train: [head, top, body, neck]", "SPT0105", "neck", 1 },
        { "train: [head, top, body]", "train: [head, top]", "SPT0106", "1.0e-5", 1 },
        { "epochs: 3", "epochs: 0", "SPT0107", "0\n    train: [head]", 1 },
        { "adamw: {lr: 1.0e-3", "adamw: {lr: -1.0e-3", "SPT0107", "-1.0e-3", 1 },
        { "batch-size: 16", "batch-size: 0", "SPT0107", "0\n", 1 },
        { "body: 1.0e-5", "body: 0", "SPT0107", "0 }", 1 },
        { "  valid: data/valid\n", "  split: 1.5\n", "SPT0108", "1.5", 1 },
        { "{dropout: 0.2}", "{dropout: 1.2}", "SPT0108", "{dropout: 1.2}", 1 },
        { "channels: 3", "channels: 2", "SPT0108", "2\n", 1 },
        { "warmup-ratio: 0.1}}", "warmup-ratio: 0.1, warmup-steps: 100}}", "SPT0109", "0.1, warmup-steps", 1 },
        { "loss: binary-cross-entropy", "loss: mse", "SPT0110", "mse", 1 },
        { "{linear: 1}, sigmoid", "{linear: 2}, sigmoid", "SPT0111", "{linear: 2}", 1 },
        { "layers: [{linear: 64}, relu, {dropout: 0.2}, {linear: 1}, sigmoid]", "layers: [relu]", "SPT0112", "[relu]", 1 },
        { ", sigmoid]", ", softmax]", "SPT0113", "softmax", 1 },
        { "std: [0.229, 0.224, 0.225]", "std: [0.229, 0.224]", "SPT0115", "[0.229, 0.224]", 1 },
        { "monitor: val-f1", "monitor: validation-f1", "SPT0116", "validation-f1", 1 },
        { "architecture: resnet18", "architecture: resnet19", "SPT0118", "resnet19", 1 },
        { "device: cuda:0", "device: gpu", "SPT0119", "gpu", 1 },
        { "name: head-only", "name: \"head only\"", "SPT0120", "\"head only\"", 1 },
        { "train: [head]", "train: [head, head]", "SPT0121", "head]", 1 },
        { "resize: [224, 224]", "resize: [224]", "SPT0122", "[224]", 1 },
        { "train: [head]", "train: []", "SPT0123", "[]", 1 },
        { "  valid: data/valid\n", "  valid: data/valid\n  split: 0.2\n", "SPT0124", "0.2\n", 1 },
    };

    [Theory]
    [MemberData(nameof(Mistakes))]
    public void Mistake_is_reported_with_its_id_at_the_offending_text(string from, string to, string id, string at, int occurrence)
    {
        var yaml = Samples.Replace(Samples.Full, from, to);

        var result = SpecYamlReader.Read(yaml, "cat.spectune.yaml");

        var matching = result.Diagnostics.Where(d => d.Id == id).ToList();
        Assert.True(matching.Count > 0, $"expected {id}; got: {string.Join(" | ", result.Diagnostics)}");
        Assert.Contains(Samples.Position(yaml, at, occurrence), matching.Select(d => Samples.Display(d.Span)));
        Assert.All(result.Diagnostics, d => Assert.Equal("cat.spectune.yaml", d.FilePath));
        if (matching[0].IsError) Assert.Null(result.Spec);
    }

    [Fact]
    public void Regression_rejects_classification_metrics_at_each_metric()
    {
        var yaml = Samples.Replace(Samples.Full, "task: binary-classification", "task: regression");
        yaml = Samples.Replace(yaml, "loss: binary-cross-entropy", "loss: mse");
        yaml = Samples.Replace(yaml, ", sigmoid]", "]");

        var diagnostics = SpecYamlReader.Read(yaml, null).Diagnostics;

        Assert.Equal(new[] { "SPT0114", "SPT0114", "SPT0114" }, diagnostics.Select(d => d.Id));
        Assert.Equal(new[] { Samples.Position(yaml, "accuracy"), Samples.Position(yaml, "f1"), Samples.Position(yaml, "confusion-matrix") },
            diagnostics.Select(d => Samples.Display(d.Span)));
    }

    [Fact]
    public void An_unreadable_list_item_does_not_shift_the_locations_of_later_items()
    {
        var yaml = Samples.Replace(Samples.Minimal, "  - { name: all, epochs: 1, train: [head] }", "  - 5\n  - { name: all, epochs: 0, train: [head] }");
        yaml = Samples.Replace(yaml, "task: multiclass-classification", "task: regression\nmetrics: [bogus, accuracy]");
        yaml = Samples.Replace(yaml, "loss: cross-entropy", "loss: mse");

        var diagnostics = SpecYamlReader.Read(yaml, null).Diagnostics;

        Assert.Equal(
            new[]
            {
                ("SPT0008", Samples.Position(yaml, "bogus")),
                ("SPT0114", Samples.Position(yaml, "accuracy")),
                ("SPT0006", Samples.Position(yaml, "5")),
                ("SPT0107", Samples.Position(yaml, "0, train")),
            },
            diagnostics.Select(d => (d.Id, Samples.Display(d.Span))));
    }

    [Fact]
    public void Missing_phases_are_reported_at_the_spec()
    {
        var yaml = Samples.Minimal.Substring(0, Samples.Minimal.IndexOf("phases:", StringComparison.Ordinal));

        var diagnostic = Assert.Single(SpecYamlReader.Read(yaml, null).Diagnostics);

        Assert.Equal("SPT0117", diagnostic.Id);
        Assert.Equal((1, 1), Samples.Display(diagnostic.Span));
    }

    [Fact]
    public void Unknown_group_suggests_the_nearest_group()
    {
        var yaml = Samples.Replace(Samples.Full, "train: [head, top, body]", "train: [head, top, bdy]");

        var diagnostics = SpecYamlReader.Read(yaml, null).Diagnostics;

        var unknown = Assert.Single(diagnostics, d => d.Id == "SPT0105");
        Assert.Equal("Phase 'unfreeze-top' trains group 'bdy', which does not exist; known groups: head, base, stem, body, top — did you mean 'body'?", unknown.Message);
        // The rate for `body` is now for a group the phase does not train: a second, independent mistake.
        Assert.Single(diagnostics, d => d.Id == "SPT0106");
    }

    [Fact]
    public void Wrong_type_names_the_field_and_what_was_expected()
    {
        var yaml = Samples.Replace(Samples.Full, "epochs: 10", "epochs: ten");

        var diagnostic = Assert.Single(SpecYamlReader.Read(yaml, null).Diagnostics);

        Assert.Equal("'phases[1].epochs' must be a whole number, but is 'ten'", diagnostic.Message);
    }

    [Fact]
    public void Missing_required_names_the_key_and_the_enclosing_mapping()
    {
        var yaml = Samples.Replace(Samples.Full, "  input: [3, 224, 224]\n", "");

        var diagnostic = Assert.Single(SpecYamlReader.Read(yaml, null).Diagnostics);

        Assert.Equal("SPT0007", diagnostic.Id);
        Assert.Equal("'input' is required in 'base'", diagnostic.Message);
        Assert.Equal(Samples.Position(yaml, "architecture: resnet18"), Samples.Display(diagnostic.Span));
    }
}

namespace SpecTune.Spec.Tests;

public class SpecYamlReaderTests
{
    [Fact]
    public void Full_spec_reads_into_the_expected_record()
    {
        var result = SpecYamlReader.Read(Samples.Full, "specs/cat.spectune.yaml");

        Assert.Empty(result.Diagnostics);
        var spec = Assert.IsType<FineTuneSpec>(result.Spec);
        Assert.Equal(1, spec.Version);
        Assert.Equal("CatClassifier", spec.Name);
        Assert.Equal("MyApp.Models", spec.Namespace);
        Assert.Equal(new BaseSpec("resnet18", "models/resnet18.safetensors", EquatableArray.Create(3, 224, 224), EquatableArray<int>.Empty, false), spec.Base);
        Assert.Equal(
            new[]
            {
                new GroupSpec("stem", EquatableArray.Create("conv1.*", "bn1.*")),
                new GroupSpec("body", EquatableArray.Create("layer1.*", "layer2.*")),
                new GroupSpec("top", EquatableArray.Create("layer4.*")),
            },
            spec.Groups);
        Assert.Equal(
            new HeadSpec("fc", EquatableArray.Create(
                new HeadLayerSpec(HeadLayerKind.Linear, 64, null),
                new HeadLayerSpec(HeadLayerKind.Relu, null, null),
                new HeadLayerSpec(HeadLayerKind.Dropout, null, 0.2),
                new HeadLayerSpec(HeadLayerKind.Linear, 1, null),
                new HeadLayerSpec(HeadLayerKind.Sigmoid, null, null))),
            spec.Head);
        Assert.Equal(TaskKind.BinaryClassification, spec.Task);
        Assert.Equal(
            new DataSpec(
                DataFormat.Idx,
                new DataSourceSpec("data/train-images.idx", "data/train-labels.idx"),
                new DataSourceSpec("data/valid", null),
                null, 16, false, EquatableArray.Create(3, 5), null,
                new TransformSpec(EquatableArray.Create(224, 224), 3, 0.00392156862745098,
                    EquatableArray.Create(0.485, 0.456, 0.406), EquatableArray.Create(0.229, 0.224, 0.225), true, 4),
                4),
            spec.Data);
        Assert.Equal(new LossSpec(LossKind.BinaryCrossEntropy, 0), spec.Loss);
        Assert.Equal(new[] { MetricKind.Accuracy, MetricKind.F1, MetricKind.ConfusionMatrix }, spec.Metrics);
        Assert.Equal(new OptimizerSpec(OptimizerKind.AdamW, 1e-3, 0.01, 0, false, 0.8, 0.99, 1e-7, 1.5), spec.Optimizer);
        Assert.Equal(2, spec.Phases.Count);
        Assert.Equal(new PhaseSpec("head-only", 3, EquatableArray.Create("head"), EquatableArray<GroupRate>.Empty, ScheduleSpec.Constant, null), spec.Phases[0]);
        Assert.Equal(
            new PhaseSpec("unfreeze-top", 10, EquatableArray.Create("head", "top", "body"),
                EquatableArray.Create(new GroupRate("head", 1e-4), new GroupRate("top", 1e-4), new GroupRate("body", 1e-5)),
                new ScheduleSpec(ScheduleKind.OneCycle, 1, 0.1, 0.01, null, 0.1, 0.25),
                BatchNormPolicy.TrainAffine),
            spec.Phases[1]);
        Assert.Equal(new EarlyStoppingSpec("val-f1", MonitorMode.Max, 5, 0.001, false), spec.EarlyStopping);
        Assert.Equal(new RegularizationSpec(0.01), spec.Regularization);
        Assert.Equal(42, spec.Seed);
        Assert.Equal("artifacts/cat.safetensors", spec.Output);
        Assert.Equal("artifacts/checkpoints", spec.Checkpoints);
        Assert.Equal("artifacts/metrics.jsonl", spec.MetricsLog);
        Assert.Equal("cuda:0", spec.Device);
        Assert.Equal(2, spec.Threads);
        Assert.Equal(BatchNormPolicy.TrainAll, spec.BatchNorm);
        Assert.Equal("specs/cat.spectune.yaml", spec.SourcePath);
    }

    [Fact]
    public void Spans_are_zero_based_and_cover_the_value()
    {
        var spec = SpecYamlReader.Read(Samples.Full, null).Spec!;

        var rate = spec.Locations.Find("phases[1].lr.body");
        Assert.Equal(new SourceSpan(rate.StartOffset, rate.StartOffset + 6, 44, 43, 44, 49), rate);
        Assert.Equal("1.0e-5", Samples.Full.Substring(rate.StartOffset, rate.EndOffset - rate.StartOffset));

        var name = spec.Locations.Find("name");
        Assert.Equal((1, 6), (name.StartLine, name.StartColumn));
        Assert.Equal("CatClassifier", Text(name));

        Assert.Equal("resnet18", Text(spec.Locations.Find("base.architecture")));
        Assert.Equal("\"layer2.*\"", Text(spec.Locations.Find("groups.body[1]")));
        Assert.Equal("body", Text(spec.Locations.Find("groups.body.$key")));
        Assert.Equal("head", Text(spec.Locations.Find("phases[0].train[0]")));
        Assert.Equal("{images: data/train-images.idx, labels: data/train-labels.idx}", Text(spec.Locations.Find("data.train")));
        Assert.Equal("data/train-labels.idx", Text(spec.Locations.Find("data.train.labels")));
        Assert.Equal("[0.8, 0.99]", Text(spec.Locations.Find("optimizer.betas")));
        Assert.Equal("0.1", Text(spec.Locations.Find("phases[1].schedule.warmup-ratio")));
        Assert.Equal("{linear: 1}", Text(spec.Locations.Find("head.layers[3]")));

        // A block mapping runs from its first key to the end of its last value.
        var phase = Text(spec.Locations.Find("phases[0]"));
        Assert.StartsWith("name: head-only", phase);
        Assert.EndsWith("train: [head]", phase);

        // Values left to their default are located at the nearest written ancestor, down to the root.
        Assert.Equal(spec.Locations.Find("phases[0]"), spec.Locations.Find("phases[0].schedule"));
        Assert.Equal(0, spec.Locations.Find("label-free-path").StartOffset);
        Assert.Equal(Samples.Full.TrimEnd().Length, spec.Locations.Find("").EndOffset);

        static string Text(SourceSpan span) => Samples.Full.Substring(span.StartOffset, span.EndOffset - span.StartOffset);
    }

    [Fact]
    public void Minimal_spec_takes_the_documented_defaults()
    {
        var result = SpecYamlReader.Read(Samples.Minimal, null);

        Assert.Empty(result.Diagnostics);
        var spec = result.Spec!;
        Assert.Null(spec.Namespace);
        Assert.True(spec.Base.Strict);
        Assert.Empty(spec.Groups);
        Assert.Null(spec.Head.Replace);
        Assert.Equal(new DataSourceSpec("data/mnist", null), spec.Data.Train);
        Assert.Null(spec.Data.Valid);
        Assert.Equal(32, spec.Data.BatchSize);
        Assert.True(spec.Data.Shuffle);
        Assert.Equal(2, spec.Data.Prefetch);
        Assert.Equal(TransformSpec.None, spec.Data.Transforms);
        Assert.Empty(spec.Metrics);
        Assert.Equal(new OptimizerSpec(OptimizerKind.Sgd, 0.1, 0, 0, false, 0.9, 0.999, 1e-8, null), spec.Optimizer);
        Assert.Equal(ScheduleSpec.Constant, spec.Phases[0].Schedule);
        Assert.Empty(spec.Phases[0].LearningRates);
        Assert.Null(spec.EarlyStopping);
        Assert.Null(spec.Regularization);
        Assert.Equal(0, spec.Seed);
        Assert.Equal("cpu", spec.Device);
        Assert.Null(spec.Threads);
        Assert.Equal(BatchNormPolicy.FreezeAll, spec.BatchNorm);
    }

    [Fact]
    public void Phase_wide_rate_and_named_schedule_and_loss_options()
    {
        var yaml = Samples.Minimal
            .Replace("loss: cross-entropy", "loss: { cross-entropy: { label-smoothing: 0.1 } }")
            .Replace("{ name: all, epochs: 1, train: [head] }", "{ name: all, epochs: 1, train: head, lr: 0.05, schedule: {step: {step-size: 2, gamma: 0.5}} }")
            + "early-stopping: { patience: 2 }\n";

        var spec = SpecYamlReader.Read(yaml, null).Spec!;

        Assert.Equal(new LossSpec(LossKind.CrossEntropy, 0.1), spec.Loss);
        Assert.Equal(new[] { new GroupRate(null, 0.05) }, spec.Phases[0].LearningRates);
        Assert.Equal(new[] { "head" }, spec.Phases[0].Train);
        Assert.Equal(ScheduleSpec.Constant with { Kind = ScheduleKind.Step, StepSize = 2, Gamma = 0.5 }, spec.Phases[0].Schedule);
        Assert.Equal(new EarlyStoppingSpec("val-loss", null, 2, 0, true), spec.EarlyStopping);
    }

    [Fact]
    public void Numbers_are_read_with_the_invariant_culture()
    {
        var previous = System.Globalization.CultureInfo.CurrentCulture;
        try
        {
            System.Globalization.CultureInfo.CurrentCulture = new System.Globalization.CultureInfo("de-DE");
            var spec = SpecYamlReader.Read(Samples.Full, null).Spec!;
            Assert.Equal(1e-5, spec.Phases[1].LearningRates[2].LearningRate);
            Assert.Equal(0.00392156862745098, spec.Data.Transforms.Scale);
        }
        finally
        {
            System.Globalization.CultureInfo.CurrentCulture = previous;
        }
    }

    [Fact]
    public void Unknown_key_suggests_the_nearest_known_key_at_the_key()
    {
        var yaml = Samples.Replace(Samples.Full, "  shuffle: false", "  shufle: false");

        var result = SpecYamlReader.Read(yaml, "cat.yaml");

        Assert.Null(result.Spec);
        var diagnostic = Assert.Single(result.Diagnostics);
        Assert.Equal("SPT0004", diagnostic.Id);
        Assert.Equal("Unknown key 'shufle' in 'data' — did you mean 'shuffle'?", diagnostic.Message);
        Assert.Equal((24, 3), Samples.Display(diagnostic.Span));
        Assert.Equal("cat.yaml(24,3): error SPT0004: Unknown key 'shufle' in 'data' — did you mean 'shuffle'?", diagnostic.ToString());
    }

    [Fact]
    public void Unknown_key_far_from_every_key_has_no_suggestion()
    {
        var yaml = Samples.Full + "colour: blue\n";

        var diagnostic = Assert.Single(SpecYamlReader.Read(yaml, null).Diagnostics);

        Assert.Equal("Unknown key 'colour' in the spec", diagnostic.Message);
    }

    [Fact]
    public void Syntax_error_becomes_a_diagnostic_at_the_mark()
    {
        var yaml = Samples.Replace(Samples.Full, "  input: [3, 224, 224]", "  input: [3, 224, 224");

        var result = SpecYamlReader.Read(yaml, null);

        Assert.Null(result.Spec);
        var diagnostic = Assert.Single(result.Diagnostics);
        Assert.Equal("SPT0001", diagnostic.Id);
        Assert.StartsWith("YAML syntax error: ", diagnostic.Message);
        // YamlDotNet fails on this input without a mark; the reader places it after the last well-formed value.
        Assert.Equal((7, 17), Samples.Display(diagnostic.Span));
    }

    [Theory]
    [InlineData("")]
    [InlineData("# nothing but a comment\n")]
    [InlineData("~\n")]
    public void Empty_text_is_an_empty_spec(string yaml)
    {
        var diagnostic = Assert.Single(SpecYamlReader.Read(yaml, null).Diagnostics);

        Assert.Equal("SPT0002", diagnostic.Id);
        Assert.Equal((1, 1), Samples.Display(diagnostic.Span));
    }

    [Fact]
    public void Syntax_error_with_a_mark_is_placed_there()
    {
        var yaml = Samples.Replace(Samples.Full, "name: CatClassifier", "name: \"CatClassifier");

        var diagnostic = Assert.Single(SpecYamlReader.Read(yaml, null).Diagnostics);

        Assert.Equal("SPT0001", diagnostic.Id);
        Assert.Equal((2, 7), Samples.Display(diagnostic.Span));
    }

    [Fact]
    public void Duplicate_key_is_reported_at_the_second_key()
    {
        var yaml = Samples.Full + "seed: 7\n";

        var diagnostic = Assert.Single(SpecYamlReader.Read(yaml, null).Diagnostics);

        Assert.Equal("SPT0005", diagnostic.Id);
        Assert.Equal("Duplicate key 'seed'; each key may appear once in a mapping", diagnostic.Message);
        Assert.Equal(Samples.Position(yaml, "seed: 7"), Samples.Display(diagnostic.Span));
    }

    [Fact]
    public void Duplicate_key_is_named_without_its_quotes()
    {
        var yaml = Samples.Full + "'seed': 7\n";

        var diagnostic = Assert.Single(SpecYamlReader.Read(yaml, null).Diagnostics);

        Assert.Equal("Duplicate key 'seed'; each key may appear once in a mapping", diagnostic.Message);
        Assert.Equal(Samples.Position(yaml, "'seed': 7"), Samples.Display(diagnostic.Span));
    }

    [Fact]
    public void Two_documents_are_rejected_at_the_second()
    {
        var diagnostic = Assert.Single(SpecYamlReader.Read(Samples.Minimal + "---\nname: Other\n", null).Diagnostics);

        Assert.Equal("SPT0003", diagnostic.Id);
        Assert.Equal(Samples.Position(Samples.Minimal + "---\nname: Other\n", "name: Other"), Samples.Display(diagnostic.Span));
    }

    [Fact]
    public void A_scalar_document_is_not_a_spec()
    {
        var diagnostic = Assert.Single(SpecYamlReader.Read("just words", null).Diagnostics);

        Assert.Equal("SPT0006", diagnostic.Id);
        Assert.Equal("'the spec' must be a mapping of keys such as 'spectune: 1', but is 'just words'", diagnostic.Message);
    }

    [Fact]
    public void A_value_that_cannot_be_read_is_reported_once()
    {
        // The loss is unreadable, so the loss/task rule must not add a second, misleading error.
        var yaml = Samples.Replace(Samples.Full, "loss: binary-cross-entropy", "loss: binary-cross-entropie");

        var diagnostic = Assert.Single(SpecYamlReader.Read(yaml, null).Diagnostics);

        Assert.Equal("SPT0008", diagnostic.Id);
        Assert.EndsWith("did you mean 'binary-cross-entropy'?", diagnostic.Message);
    }

    [Fact]
    public void Problems_from_reading_and_checking_are_reported_together_in_text_order()
    {
        var yaml = Samples.Replace(Samples.Full, "  shuffle: false", "  shufle: false");
        yaml = Samples.Replace(yaml, "epochs: 3", "epochs: 0");
        yaml = Samples.Replace(yaml, "name: CatClassifier", "name: class");

        var ids = SpecYamlReader.Read(yaml, null).Diagnostics.Select(d => d.Id);

        Assert.Equal(new[] { "SPT0100", "SPT0004", "SPT0107" }, ids);
    }

    [Fact]
    public void Warnings_alone_keep_the_spec()
    {
        var yaml = Samples.Replace(Samples.Full, "train: [head]", "train: [head, head]");

        var result = SpecYamlReader.Read(yaml, null);

        var diagnostic = Assert.Single(result.Diagnostics);
        Assert.Equal(SpecSeverity.Warning, diagnostic.Severity);
        Assert.Equal("SPT0121", diagnostic.Id);
        Assert.NotNull(result.Spec);
    }
}

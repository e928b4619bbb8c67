namespace SpecTune.Spec.Tests;

public class SpecHashTests
{
    private const string Reformatted = """
        # The full sample, rewritten: other key order, block instead of flow, other number spellings.
        name: "CatClassifier"
        spectune: 1
        namespace: MyApp.Models
        base: {architecture: resnet18, weights: models/resnet18.safetensors, input: [3, 224, 224], strict: false}
        task: binary-classification
        groups: {stem: [conv1.*, bn1.*], body: [layer1.*, layer2.*], top: [layer4.*]}
        head:
          replace: fc
          layers:
            - linear: 64
            - relu
            - dropout: 0.20
            - linear: 1
            - sigmoid
        loss: binary-cross-entropy
        data:
          train:
            labels: data/train-labels.idx
            images: data/train-images.idx
          format: idx
          valid: data/valid
          batch-size: 16
          shuffle: false
          classes: [3, 5]
          prefetch: 4
          transforms:
            resize: [224, 224]
            channels: 3
            scale: 3.92156862745098e-3
            normalize:
              mean: [0.485, 0.456, 0.406]
              std: [0.229, 0.224, 0.225]
            random-flip: true
            random-crop: 4
        metrics: [accuracy, f1, confusion-matrix]
        optimizer: {adamw: {lr: 0.001, weight-decay: 1e-2, betas: [0.8, 0.99], eps: 0.0000001, grad-clip: 1.5}}
        phases:
          - {name: head-only, epochs: 3, train: [head]}
          - name: unfreeze-top
            epochs: 10
            train: [head, top, body]
            lr:
              head: 0.0001
              top: 1e-4
              body: 1e-5
            schedule:
              one-cycle: {warmup-ratio: 0.1, min-lr-factor: 0.01, pct-start: 0.25}
            batch-norm: train-affine
        early-stopping: {monitor: val-f1, mode: max, patience: 5, min-delta: 0.001, restore-best: false}
        regularization: {l2-sp: 0.01}
        seed: 42
        output: artifacts/cat.safetensors
        checkpoints: artifacts/checkpoints
        metrics-log: artifacts/metrics.jsonl
        device: cuda:0
        threads: 2
        batch-norm: train-all
        """;

    private static string HashOf(string yaml, string? path = "cat.spectune.yaml")
    {
        var result = SpecYamlReader.Read(yaml, path);
        Assert.True(result.Spec is not null, string.Join(" | ", result.Diagnostics));
        return SpecHash.Compute(result.Spec!);
    }

    [Fact]
    public void Hash_is_lower_case_sha256_hex()
    {
        Assert.Matches("^[0-9a-f]{64}$", HashOf(Samples.Full));
    }

    [Fact]
    public void Reformatting_or_moving_the_file_keeps_the_hash()
    {
        var original = HashOf(Samples.Full);

        Assert.Equal(original, HashOf(Reformatted));
        Assert.Equal(original, HashOf(Samples.Full, "elsewhere/renamed.yaml"));
        Assert.Equal(original, HashOf(Samples.Full.Replace("\n", "\r\n"), null));
    }

    [Theory]
    [InlineData("seed: 42", "seed: 43")]
    [InlineData("body: 1.0e-5", "body: 2.0e-5")]
    [InlineData("stem: [\"conv1.*\", \"bn1.*\"]", "stem: [\"bn1.*\", \"conv1.*\"]")]
    [InlineData("  valid: data/valid\n", "")]
    [InlineData("early-stopping: { monitor: val-f1, mode: max,", "early-stopping: { monitor: val-f1,")]
    [InlineData("batch-norm: train-affine", "batch-norm: freeze-all")]
    [InlineData("random-flip: true", "random-flip: false")]
    [InlineData("name: CatClassifier", "name: CatClassifier2")]
    public void Changing_a_value_changes_the_hash(string from, string to)
    {
        Assert.NotEqual(HashOf(Samples.Full), HashOf(Samples.Replace(Samples.Full, from, to)));
    }

    [Fact]
    public void Hash_does_not_depend_on_the_current_culture()
    {
        var expected = HashOf(Samples.Full);
        var previous = System.Globalization.CultureInfo.CurrentCulture;
        try
        {
            System.Globalization.CultureInfo.CurrentCulture = new System.Globalization.CultureInfo("fr-FR");
            Assert.Equal(expected, HashOf(Samples.Full));
        }
        finally
        {
            System.Globalization.CultureInfo.CurrentCulture = previous;
        }
    }

    [Fact]
    public void Every_value_of_the_model_reaches_the_hash()
    {
        // The full grammar spec sets every key (GrammarTests holds it to the table); changing any one value of the spec
        // it reads, at any depth, must change the hash, or a checkpoint would resume under a different spec.
        var spec = SpecYamlReader.Read(GrammarTests.FullSpec, "full.spectune.yaml").Spec!;
        var hash = SpecHash.Compute(spec);
        var unhashed = new List<string>();
        var count = 0;
        foreach (var (path, changed) in Changes(spec, "", o => (FineTuneSpec)o))
        {
            count++;
            if (SpecHash.Compute(changed) == hash) unhashed.Add(path);
        }
        Assert.Empty(unhashed);
        Assert.True(count > 60, count + " values changed");
    }

    /// <summary>Every single-value change of <paramref name="record"/>, each as the whole spec (<paramref name="put"/> puts a changed record in place).</summary>
    private static IEnumerable<(string Path, FineTuneSpec Changed)> Changes(object record, string path, Func<object, FineTuneSpec> put)
    {
        foreach (var property in record.GetType().GetProperties().Where(p => p.SetMethod is not null && p.Name is not ("SourcePath" or "Locations")))
        {
            var value = property.GetValue(record);
            var at = path + "." + property.Name;
            Func<object?, FineTuneSpec> replace = v => put(With(record, property, v));
            var type = property.PropertyType;
            if (type.IsGenericType && type.GetGenericTypeDefinition() == typeof(EquatableArray<>))
            {
                var element = type.GetGenericArguments()[0];
                var items = ((System.Collections.IEnumerable)value!).Cast<object>().ToList();
                if (IsRecord(element))
                {
                    for (int i = 0; i < items.Count; i++)
                    {
                        var index = i;
                        foreach (var change in Changes(items[i], at + "[" + i + "]", r => replace(Array(element, items.Select((x, j) => j == index ? r : x)))))
                            yield return change;
                    }
                }
                else if (items.Count > 0)
                {
                    yield return (at + "[0]", replace(Array(element, items.Select((x, j) => j == 0 ? Other(element, x) : x))));
                }
                yield return (at + ".count", replace(Array(element, items.Concat(items.Take(1)))));
            }
            else if (IsRecord(type) && value is not null)
            {
                foreach (var change in Changes(value, at, r => replace(r))) yield return change;
            }
            else if (!IsRecord(type))
            {
                yield return (at, replace(Other(type, value)));
            }
        }
    }

    private static bool IsRecord(Type type) => type.IsClass && type != typeof(string);

    private static object With(object record, System.Reflection.PropertyInfo property, object? value)
    {
        var copy = record.GetType().GetMethod("<Clone>$")!.Invoke(record, null)!;
        property.SetValue(copy, value);
        return copy;
    }

    private static object Array(Type element, IEnumerable<object> items)
    {
        var array = System.Array.CreateInstance(element, items.Count());
        var i = 0;
        foreach (var item in items) array.SetValue(item, i++);
        return typeof(EquatableArray).GetMethod(nameof(EquatableArray.Create))!.MakeGenericMethod(element).Invoke(null, new object[] { array })!;
    }

    /// <summary>A different value of <paramref name="type"/>.</summary>
    private static object? Other(Type type, object? value)
    {
        var underlying = Nullable.GetUnderlyingType(type) ?? type;
        if (underlying.IsEnum)
        {
            var values = Enum.GetValues(underlying).Cast<object>().ToList();
            return value is null ? values[0] : values[(values.IndexOf(value) + 1) % values.Count];
        }
        return value switch
        {
            null when underlying == typeof(string) => "x",
            null when underlying == typeof(int) => 1,
            null when underlying == typeof(double) => 0.5,
            null when underlying == typeof(bool) => true,
            string text => text + "x",
            int number => number + 1,
            double number => number + 0.5,
            bool flag => !flag,
            _ => throw new InvalidOperationException("No other value for " + type),
        };
    }
}

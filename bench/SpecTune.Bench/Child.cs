using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using SpecTune.Data;
using SpecTune.Models;
using SpecTune.Training;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace SpecTune.Bench;

/// <summary>
/// One measurement in its own process, so that its peak resident memory (VmHWM) belongs to that configuration alone.
/// Prints one line, <c>RESULT {json}</c>, for the orchestrator.
/// </summary>
public static class Child
{
    public static int Run(string[] args)
    {
        var options = Options.Parse(args[1..]);
        int threads = options.Int("threads", Environment.ProcessorCount);
        torch.set_num_threads(threads);
        JsonObject result = args[0] switch
        {
            "matmul" => Matmul(),
            "baseline" => Baseline(),
            // Writes the synthetic data sets, for running one child by hand while profiling.
            "prepare" => Prepare(options["data"]),
            "spectune" => SpecTuneRun(Workload.Find(options["workload"]), options["phase"], options["cache"] == "on",
                options.Int("epochs", 1), options["data"], threads, options.Int("prefetch", 2), TunedAllocator(options)),
            "hand" => HandWritten(Workload.Find(options["workload"]), options["phase"], options["data"], options.Int("epochs", 1), TunedAllocator(options)),
            "real" => RealData(options["mode"], options["data"], options["work"], threads),
            _ => throw new ArgumentException($"unknown child command '{args[0]}'"),
        };
        result["threads"] = torch.get_num_threads();
        result["peak_rss_mb"] = PeakRssMegabytes();
        Console.WriteLine("RESULT " + result.ToJsonString());
        return 0;
    }

    /// <summary>Best of ten 2048x2048 float32 matrix products, in GFLOP/s (2·n³ per product).</summary>
    private static JsonObject Matmul()
    {
        const int n = 2048;
        using var a = torch.randn(n, n);
        using var b = torch.randn(n, n);
        double best = 0;
        for (int i = 0; i < 13; i++)
        {
            var clock = Stopwatch.StartNew();
            using (var c = torch.mm(a, b)) { }
            double seconds = clock.Elapsed.TotalSeconds;
            if (i >= 3) best = Math.Max(best, 2.0 * n * n * n / seconds / 1e9);
        }
        return new JsonObject { ["gflops"] = best };
    }

    private static JsonObject Prepare(string folder)
    {
        Directory.CreateDirectory(folder);
        foreach (var w in Workload.All) Idx.Write(folder, w, seed: 7);
        return new JsonObject();
    }

    /// <summary>A process that only starts libtorch: the floor under every configuration's peak memory.</summary>
    private static JsonObject Baseline()
    {
        using var x = torch.ones(16, 16);
        using var y = x.matmul(x);
        return new JsonObject();
    }

    /// <summary>SpecTune's trainer running a one-phase spec; step times come from its progress events.</summary>
    private static JsonObject SpecTuneRun(Workload w, string phase, bool cache, int epochs, string dataFolder, int threads, int prefetch, bool tunedAllocator)
    {
        var id = Guid.NewGuid().ToString("N")[..8];
        var spec = $$"""
            spectune: 1
            name: Bench
            base: { architecture: {{w.Architecture}}, input: [{{w.Channels}}, {{w.Size}}, {{w.Size}}] }
            {{(phase == Phases.Top ? $"groups: {{ {Phases.TopGroup(w)} }}" : "")}}
            head: { layers: [ {linear: {{Workload.Classes}}} ] }
            task: multiclass-classification
            data:
              format: idx
              train: { images: {{w.ImagesFile}}, labels: {{w.LabelsFile}} }
              batch-size: {{w.Batch}}
              prefetch: {{prefetch}}
              {{(w.Channels == 3 ? "transforms: { channels: 3 }" : "")}}
            loss: cross-entropy
            optimizer: { adam: { lr: 1.0e-3 } }
            phases:
              - { name: p, epochs: {{epochs}}, train: {{Phases.TrainList(phase)}} }
            seed: 1
            threads: {{threads}}
            feature-cache: {{(cache ? "true" : "false")}}
            checkpoints: checkpoints-{{id}}
            """;
        var path = Path.Combine(dataFolder, $"bench-{id}.spectune.yaml");
        File.WriteAllText(path, spec);
        try
        {
            using var job = FineTuneJob.FromYamlFile(path);
            var steps = Enumerable.Range(0, epochs).Select(_ => new StepClock()).ToArray();
            var epochSeconds = new List<double>();
            double stepsPeak = 0;
            var report = job.Train(new TrainingOptions
            {
                ProgressInterval = 1,
                TuneNativeAllocator = tunedAllocator,
                Progress = new SynchronousProgress<TrainingProgress>(p =>
                {
                    if (p.EpochCompleted is { } done) epochSeconds.Add(done.Seconds);
                    else
                    {
                        steps[p.Epoch].StepDone();
                        // The peak while training, before the end-of-epoch checkpoint is written.
                        if (p.StepInEpoch == p.StepsPerEpoch) stepsPeak = Math.Max(stepsPeak, PeakRssMegabytes());
                    }
                }),
            });
            var result = steps[^1].Summary(w);
            result["epoch_seconds"] = new JsonArray(epochSeconds.Select(s => (JsonNode)s).ToArray());
            result["prefix"] = report.Phases[0].Prefix.ToString();
            result["cached_through"] = report.Phases[0].CachedThrough;
            result["steps_peak_rss_mb"] = stepsPeak;
            result["final_loss"] = report.Epochs[^1].Metrics["train-loss"];
            if (epochs > 1) result["first_epoch_rate"] = steps[0].Summary(w)["rate"]!.GetValue<double>();
            return result;
        }
        finally
        {
            File.Delete(path);
            var checkpoints = Path.Combine(dataFolder, $"checkpoints-{id}");
            if (Directory.Exists(checkpoints)) Directory.Delete(checkpoints, recursive: true);
        }
    }

    /// <summary>
    /// The loop a TorchSharp user writes by hand: the zoo's model class, torch.optim.Adam, batches already in memory as
    /// tensors, a dispose scope per step, and the loss read back each step for logging — the same math as the spec.
    /// </summary>
    private static JsonObject HandWritten(Workload w, string phase, string dataFolder, int epochs, bool tunedAllocator)
    {
        // "default": glibc's malloc as a hand-written loop gets it; "tuned": the thresholds SpecTune's trainer sets, so
        // the ratio against SpecTune isolates the trainer's own overhead.
        if (tunedAllocator) SpecTune.Native.NativeAllocator.TuneForTraining();
        torch.manual_seed(1);
        var (images, labels) = Idx.Read(dataFolder, w);
        var batches = new List<(Tensor X, Tensor Y)>();
        using (var all = torch.tensor(images, [w.Samples, 1, w.Size, w.Size]).to(ScalarType.Float32).div_(255))
        {
            for (int b = 0; b < w.Steps; b++)
            {
                using var slice = all.narrow(0, (long)b * w.Batch, w.Batch);
                var x = (w.Channels == 3 ? slice.expand(-1, 3, -1, -1) : slice).contiguous();
                var y = torch.tensor(labels[(b * w.Batch)..((b + 1) * w.Batch)].Select(l => (long)l).ToArray());
                batches.Add((x, y));
            }
        }

        using var model = Create(w.Architecture, w.Channels, Workload.Classes);
        if (phase == Phases.HeadOnly)
            foreach (var (name, parameter) in model.named_parameters())
                parameter.requires_grad = name.StartsWith("fc.", StringComparison.Ordinal);
        model.train();
        if (phase == Phases.HeadOnly)
            foreach (var (name, module) in model.named_modules())
                if (module is BatchNorm2d && !name.StartsWith("fc", StringComparison.Ordinal)) module.eval();
        using var optimizer = torch.optim.Adam(model.parameters().Where(p => p.requires_grad), lr: 1e-3);

        var steps = new StepClock();
        double lastLoss = 0;
        for (int epoch = 0; epoch < epochs; epoch++)
        {
            // Only the last epoch is timed (as for SpecTune's runs); earlier ones are warm-up.
            steps = new StepClock();
            foreach (var (x, y) in batches)
            {
                lastLoss = HandStep(model, optimizer, x, y);
                steps.StepDone();
            }
        }
        foreach (var (x, y) in batches) { x.Dispose(); y.Dispose(); }
        var result = steps.Summary(w);
        result["steps_peak_rss_mb"] = PeakRssMegabytes();
        result["final_loss"] = lastLoss;
        return result;
    }

    private static float HandStep(FineTuneNetwork model, torch.optim.Optimizer optimizer, Tensor x, Tensor y)
    {
        using var scope = NewDisposeScope();
        optimizer.zero_grad();
        var output = model.call(x);
        var loss = nn.functional.cross_entropy(output, y);
        float value = loss.item<float>();
        loss.backward();
        optimizer.step();
        return value;
    }

    /// <summary>
    /// An epoch over real data (Fashion-MNIST, IDX, through the loader's background worker) against the compute-only
    /// rate: the same batches pre-materialised in memory, run through the same hand-written loop as above.
    /// </summary>
    private static JsonObject RealData(string mode, string dataFolder, string workFolder, int threads)
    {
        var id = Guid.NewGuid().ToString("N")[..8];
        var spec = $$"""
            spectune: 1
            name: BenchReal
            base: { architecture: cnn, input: [1, 28, 28] }
            head: { layers: [ {linear: 8} ] }
            task: multiclass-classification
            data:
              format: idx
              train: { images: {{dataFolder}}/pretrain-images-idx3-ubyte.gz, labels: {{dataFolder}}/pretrain-labels-idx1-ubyte.gz }
              classes: [1, 2, 3, 4, 5, 7, 8, 9]
              batch-size: 128
            loss: cross-entropy
            optimizer: { adam: { lr: 1.0e-3 } }
            phases:
              - { name: p, epochs: 2, train: [head, base] }
            seed: 1
            threads: {{threads}}
            checkpoints: checkpoints-{{id}}
            """;
        Directory.CreateDirectory(workFolder);
        var path = Path.Combine(workFolder, $"real-{id}.spectune.yaml");
        File.WriteAllText(path, spec);
        try
        {
            using var job = FineTuneJob.FromYamlFile(path);
            if (mode == "spectune")
            {
                // Epoch 2 from the end of epoch 1 (after its checkpoint) to its last step: loader start-up included.
                double epochOneDone = 0, lastStep = 0, cpuAtEpochOne = 0, cpuAtLastStep = 0;
                var clock = Stopwatch.StartNew();
                job.Train(new TrainingOptions
                {
                    ProgressInterval = 1,
                    Progress = new SynchronousProgress<TrainingProgress>(p =>
                    {
                        if (p.EpochCompleted is not null && p.Epoch == 0) (epochOneDone, cpuAtEpochOne) = (clock.Elapsed.TotalSeconds, CpuSeconds());
                        else if (p.EpochCompleted is null && p.Epoch == 1) (lastStep, cpuAtLastStep) = (clock.Elapsed.TotalSeconds, CpuSeconds());
                    }),
                });
                return new JsonObject { ["epoch_seconds"] = lastStep - epochOneDone, ["epoch_cpu_seconds"] = cpuAtLastStep - cpuAtEpochOne, ["samples"] = 4800 };
            }

            // The same allocator settings as the trainer's, so the two epochs differ only in where batches come from.
            SpecTune.Native.NativeAllocator.TuneForTraining();
            var (train, _) = DataSourceFactory.Create(job.Spec);
            var transforms = TransformPipeline.FromSpec(job.Spec.Data.Transforms, train.SampleShape);
            var loader = new SpecTune.Data.DataLoader(train, 128, shuffle: true, seed: 1, transforms, training: true, prefetch: 0, TargetKind.ClassIndex);
            // The loader alone, on this thread: how long preparing an epoch of batches takes without any training.
            var loaderClock = Stopwatch.StartNew();
            foreach (var batch in loader.Epoch(1)) batch.Dispose();
            double loaderSeconds = loaderClock.Elapsed.TotalSeconds;

            var batches = loader.Epoch(1).ToList();
            torch.manual_seed(1);
            using var model = Create("cnn", 1, 8);
            model.train();
            using var optimizer = torch.optim.Adam(model.parameters(), lr: 1e-3);
            double epochSeconds = 0, epochCpu = 0;
            for (int epoch = 0; epoch < 2; epoch++)
            {
                var clock = Stopwatch.StartNew();
                double cpuStart = CpuSeconds();
                foreach (var batch in batches)
                {
                    using var scope = NewDisposeScope();
                    optimizer.zero_grad();
                    var loss = nn.functional.cross_entropy(model.call(batch.Features), batch.Targets);
                    loss.item<float>();
                    loss.backward();
                    optimizer.step();
                }
                epochSeconds = clock.Elapsed.TotalSeconds;
                epochCpu = CpuSeconds() - cpuStart;
            }
            foreach (var batch in batches) batch.Dispose();
            return new JsonObject { ["epoch_seconds"] = epochSeconds, ["epoch_cpu_seconds"] = epochCpu, ["loader_seconds"] = loaderSeconds, ["samples"] = train.Count };
        }
        finally
        {
            File.Delete(path);
            var checkpoints = Path.Combine(workFolder, $"checkpoints-{id}");
            if (Directory.Exists(checkpoints)) Directory.Delete(checkpoints, recursive: true);
        }
    }

    private static bool TunedAllocator(Options options) => (options.Has("allocator") ? options["allocator"] : "tuned") switch
    {
        "tuned" => true,
        "default" => false,
        var other => throw new ArgumentException($"--allocator: expected tuned or default, got '{other}'"),
    };

    /// <summary>Minor page faults of this process so far (field 10 of /proc/self/stat).</summary>
    public static long MinorFaults()
    {
        var stat = File.ReadAllText("/proc/self/stat");
        // The command name (field 2) may hold spaces; fields after it follow the closing parenthesis.
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return long.Parse(fields[10 - 3], CultureInfo.InvariantCulture);
    }

    /// <summary>The zoo's model class with a one-linear head, named as SpecTune names it (fc.0).</summary>
    public static FineTuneNetwork Create(string architecture, int channels, int classes) => architecture switch
    {
        "cnn" => new SmallCnn(channels, SmallCnn.DefaultWidths, nn.Sequential(nn.Linear(SmallCnn.DefaultWidths[^1], classes))),
        "resnet18" => new ResNet(18, channels, nn.Sequential(nn.Linear(512, classes))),
        _ => throw new ArgumentException(architecture),
    };

    /// <summary>
    /// CPU time of the whole process (every thread, user and system), in seconds. Samples per CPU-second is far less
    /// sensitive than wall time to other processes taking the cores, so it is reported beside samples/s.
    /// </summary>
    public static double CpuSeconds()
    {
        using var self = Process.GetCurrentProcess();
        return self.TotalProcessorTime.TotalSeconds;
    }

    /// <summary>The process's peak resident set size (VmHWM in /proc/self/status), in MiB.</summary>
    private static double PeakRssMegabytes()
    {
        foreach (var line in File.ReadLines("/proc/self/status"))
            if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
                return double.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) / 1024;
        return double.NaN;
    }
}

/// <summary>
/// End-of-step readings (wall clock, process CPU time, minor page faults) of one timed window; rates are taken between
/// the end of the warm-up steps and the last step.
/// </summary>
public sealed class StepClock
{
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly List<(double Wall, double Cpu, long Faults, int Collections)> _ends = new();

    public void StepDone() => _ends.Add((_clock.Elapsed.TotalSeconds, Child.CpuSeconds(), Child.MinorFaults(), GC.CollectionCount(0)));

    public JsonObject Summary(Workload w)
    {
        int first = Math.Min(w.Warmup, _ends.Count - 2), steps = _ends.Count - 1 - first;
        var (start, end) = (_ends[first], _ends[^1]);
        return new JsonObject
        {
            ["rate"] = steps * (double)w.Batch / (end.Wall - start.Wall),
            ["cpu_rate"] = steps * (double)w.Batch / (end.Cpu - start.Cpu),
            ["faults_per_step"] = (end.Faults - start.Faults) / (double)steps,
            ["gc_per_step"] = (end.Collections - start.Collections) / (double)steps,
            ["step_ms"] = new JsonArray(_ends.Skip(first).Zip(_ends.Skip(first + 1), (a, b) => (JsonNode)Math.Round((b.Wall - a.Wall) * 1000, 2)).ToArray()),
        };
    }
}

/// <summary>Reports on the caller's thread (Progress&lt;T&gt; would post to the thread pool and skew the timestamps).</summary>
public sealed class SynchronousProgress<T>(Action<T> handler) : IProgress<T>
{
    public void Report(T value) => handler(value);
}

/// <summary>`--key value` pairs.</summary>
public sealed class Options
{
    private readonly Dictionary<string, string> _values = new(StringComparer.Ordinal);

    public static Options Parse(string[] args)
    {
        var options = new Options();
        for (int i = 0; i < args.Length; i++)
        {
            if (!args[i].StartsWith("--", StringComparison.Ordinal)) throw new ArgumentException($"unexpected argument '{args[i]}'");
            options._values[args[i][2..]] = i + 1 < args.Length && !args[i + 1].StartsWith("--", StringComparison.Ordinal) ? args[++i] : "true";
        }
        return options;
    }

    public string this[string key] => _values.TryGetValue(key, out var value) ? value : throw new ArgumentException($"--{key} is required");

    public bool Has(string key) => _values.ContainsKey(key);

    public int Int(string key, int fallback) => _values.TryGetValue(key, out var value) ? int.Parse(value, CultureInfo.InvariantCulture) : fallback;
}

using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace SpecTune.Bench;

/// <summary>
/// Runs every measurement as a child process (so each one's peak memory is its own), interleaving SpecTune and the
/// hand-written loop and repeating the whole round, then reports medians: a table on stdout and JSON in
/// bench/results/latest.json. Ratios come from one run, so machine noise (other processes) hits both sides alike.
/// </summary>
public static class Orchestrator
{
    public static int Run(string[] args)
    {
        var options = Options.Parse(args);
        int repeats = options.Int("repeats", 3);
        // One intra-op thread gives the steadiest comparison on a shared machine (no OpenMP barrier waits behind a
        // descheduled thread, and CPU time per sample barely moves under load); the machine's cores is the default setting.
        var threadCounts = (options.Has("threads") ? options["threads"] : $"1,{Environment.ProcessorCount}")
            .Split(',').Select(t => int.Parse(t, CultureInfo.InvariantCulture)).Distinct().ToArray();
        var repoRoot = typeof(Orchestrator).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "RepoRoot").Value!;
        var output = options.Has("out") ? options["out"] : Path.Combine(repoRoot, "bench", "results", "latest.json");
        var work = Path.Combine(Path.GetTempPath(), "spectune-bench-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(work);
        try
        {
            foreach (var w in Workload.All) Idx.Write(work, w, seed: 7);
            Console.WriteLine($"SpecTune benchmark: {Environment.ProcessorCount} cores, intra-op threads {string.Join(" and ", threadCounts)}, {repeats} repeats (medians)");
            var baselineRss = Child("baseline", [])["peak_rss_mb"]!.GetValue<double>();
            var sections = new JsonArray();
            var tables = new StringBuilder();
            foreach (var threads in threadCounts)
            {
                // Runs with several threads crawl while other processes hold the cores; --repeats-multi-thread can cut them.
                int rounds = threads == 1 ? repeats : options.Int("repeats-multi-thread", repeats);
                var (json, table) = Measure(threads, rounds, work, repoRoot, baselineRss);
                sections.Add(json);
                tables.Append(table).AppendLine();
            }
            var report = new JsonObject
            {
                ["generated_utc"] = DateTime.UtcNow.ToString("u", CultureInfo.InvariantCulture),
                ["machine"] = new JsonObject { ["cores"] = Environment.ProcessorCount, ["os"] = Environment.OSVersion.ToString(), ["dotnet"] = Environment.Version.ToString(), ["load_average_at_end"] = LoadAverage() },
                ["method"] = "each measurement in its own child process; SpecTune and hand-written runs interleaved, order alternating per round; medians over rounds; " +
                    "children run without tiered compilation (steady-state code from the first step); SpecTune and the hand-written loop both run with SpecTune's malloc settings, the hand-default loop with glibc's; " +
                    "every run trains two epochs and is timed in the second (the first settles libtorch's kernels and the native heap); samples/s (wall) and samples per CPU-second (process CPU time, all threads) between the end of the warm-up steps and the last step; " +
                    "ratio = median of per-round SpecTune/hand ratios; peak memory = VmHWM of the child (includes the libtorch-only baseline); " +
                    "FLOPs = conv+linear MACs x2, training FLOPs per Flops.Training; MFU = wall samples/s x training FLOPs / matmul peak at the same thread count",
                ["repeats"] = repeats,
                ["baseline_peak_rss_mb"] = baselineRss,
                ["by_threads"] = sections,
            };
            Directory.CreateDirectory(Path.GetDirectoryName(output)!);
            File.WriteAllText(output, report.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n");
            Console.WriteLine();
            Console.Write(tables);
            Console.WriteLine($"load average at the end: {LoadAverage()} (other processes share these cores; see the ratios, measured side by side)");
            Console.WriteLine($"JSON: {output}");
            return 0;
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    private static (JsonObject Json, string Table) Measure(int threads, int repeats, string work, string repoRoot, double baselineRss)
    {
        var common = new[] { "--threads", threads.ToString(CultureInfo.InvariantCulture) };
        var matmul = Median(Enumerable.Range(0, 3).Select(_ => Child("matmul", common)["gflops"]!.GetValue<double>()));
        Console.WriteLine($"threads {threads}: matmul peak {matmul:F1} GFLOP/s");

        // Every configuration's samples, filled round by round; the order of SpecTune and hand-written alternates.
        var samples = new Dictionary<string, List<JsonObject>>();
        void Add(string key, JsonObject value) { if (!samples.TryGetValue(key, out var list)) samples[key] = list = new(); list.Add(value); }
        for (int r = 0; r < repeats; r++)
        {
            foreach (var w in Workload.All)
                foreach (var phase in new[] { Phases.HeadOnly, Phases.Full })
                {
                    string[] Args(params string[] more) => [.. more, "--workload", w.Name, "--phase", phase, "--data", work, .. common];
                    // hand: the same allocator settings as SpecTune's trainer (the ratio is the trainer's own cost);
                    // hand-default: glibc's defaults, as a hand-written loop runs unless its author tunes malloc.
                    var runs = new List<(string Key, Func<JsonObject> Run)>
                    {
                        ($"{w.Name}/{phase}/hand", () => Child("hand", Args("--epochs", "2"))),
                        ($"{w.Name}/{phase}/spectune", () => Child("spectune", Args("--cache", "off", "--epochs", "2"))),
                        ($"{w.Name}/{phase}/hand-default", () => Child("hand", Args("--allocator", "default", "--epochs", "2"))),
                    };
                    if (r % 2 == 1) runs.Reverse();
                    if (phase == Phases.HeadOnly)
                        runs.Add(($"{w.Name}/{phase}/cache", () => Child("spectune", Args("--cache", "on", "--epochs", "2"))));
                    if (phase == Phases.Full)
                    {
                        // The top phase (last stage + head), cache off then on: the cache cuts inside the backbone.
                        string[] TopArgs(string cache) => ["--cache", cache, "--epochs", "2", "--workload", w.Name, "--phase", Phases.Top, "--data", work, .. common];
                        runs.Add(($"{w.Name}/{Phases.Top}/spectune", () => Child("spectune", TopArgs("off"))));
                        runs.Add(($"{w.Name}/{Phases.Top}/cache", () => Child("spectune", TopArgs("on"))));
                    }
                    foreach (var (key, run) in runs)
                    {
                        var result = run();
                        Add(key, result);
                        Console.WriteLine($"  round {r + 1} {key,-36} {result["rate"]!.GetValue<double>(),9:F1} samples/s {result["cpu_rate"]!.GetValue<double>(),9:F1} samples/CPU-s " +
                            $"{result["faults_per_step"]!.GetValue<double>(),7:F0} faults/step  peak {result["peak_rss_mb"]!.GetValue<double>(),6:F0} MiB");
                    }
                }
            foreach (var mode in r % 2 == 0 ? new[] { "compute", "spectune" } : new[] { "spectune", "compute" })
            {
                var result = Child("real", ["--mode", mode, "--data", Path.Combine(repoRoot, "examples", "data", "fashion-mnist"), "--work", work, .. common]);
                Add("real/" + mode, result);
                Console.WriteLine($"  round {r + 1} real/{mode,-27} {result["epoch_seconds"]!.GetValue<double>(),9:F3} s/epoch {result["epoch_cpu_seconds"]!.GetValue<double>(),9:F3} CPU-s/epoch");
            }
        }

        return Summarise(samples, matmul, baselineRss, threads, repeats);
    }

    private static string LoadAverage() => File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "n/a";

    private static (JsonObject Json, string Table) Summarise(Dictionary<string, List<JsonObject>> samples, double matmul, double baselineRss, int threads, int repeats)
    {
        double Med(string key, string field) => Median(samples[key].Select(s => s[field]!.GetValue<double>()));
        var table = new StringBuilder();
        var defaults = new StringBuilder();
        var rows = new JsonArray();
        table.AppendLine($"threads {threads}, matmul peak {matmul:F1} GFLOP/s, medians of {repeats} interleaved runs; peak RSS per run in its own process (libtorch-only process: {baselineRss:F0} MiB)");
        table.AppendLine("workload             phase      GFLOP/sample | samples/s SpecTune  hand   ratio | samples/CPU-s SpecTune  hand   ratio | MFU SpecTune  hand | peak RSS MiB SpecTune / hand");
        foreach (var w in Workload.All)
            foreach (var phase in new[] { Phases.HeadOnly, Phases.Full })
            {
                string prefix = $"{w.Name}/{phase}/";
                double flops = Flops.Training(w, phase);
                double spectune = Med(prefix + "spectune", "rate"), hand = Med(prefix + "hand", "rate");
                double ratio = Median(samples[prefix + "spectune"].Zip(samples[prefix + "hand"],
                    (s, h) => s["rate"]!.GetValue<double>() / h["rate"]!.GetValue<double>()));
                double cpuSpecTune = Med(prefix + "spectune", "cpu_rate"), cpuHand = Med(prefix + "hand", "cpu_rate");
                double cpuRatio = Median(samples[prefix + "spectune"].Zip(samples[prefix + "hand"],
                    (s, h) => s["cpu_rate"]!.GetValue<double>() / h["cpu_rate"]!.GetValue<double>()));
                double handDefault = Med(prefix + "hand-default", "rate");
                double ratioDefault = Median(samples[prefix + "spectune"].Zip(samples[prefix + "hand-default"],
                    (s, h) => s["rate"]!.GetValue<double>() / h["rate"]!.GetValue<double>()));
                double faultsSpecTune = Med(prefix + "spectune", "faults_per_step"), faultsHand = Med(prefix + "hand", "faults_per_step"),
                    faultsDefault = Med(prefix + "hand-default", "faults_per_step");
                double mfuSpecTune = spectune * flops / (matmul * 1e9), mfuHand = hand * flops / (matmul * 1e9);
                double rssSpecTune = Med(prefix + "spectune", "peak_rss_mb"), rssHand = Med(prefix + "hand", "peak_rss_mb");
                table.AppendLine($"{w.Title,-20} {phase,-10} {flops / 1e9,12:F4} | {spectune,18:F1} {hand,6:F1} {ratio,6:F3} | {cpuSpecTune,22:F1} {cpuHand,6:F1} {cpuRatio,6:F3} | {mfuSpecTune,12:P1} {mfuHand,5:P1} | {rssSpecTune,8:F0} / {rssHand:F0}");
                defaults.AppendLine($"{w.Title,-20} {phase,-10} | {handDefault,18:F1} {ratioDefault,6:F3} | {faultsSpecTune,14:F0} {faultsHand,6:F0} {faultsDefault,8:F0}");
                var row = new JsonObject
                {
                    ["workload"] = w.Name, ["phase"] = phase, ["batch"] = w.Batch, ["steps"] = w.Steps, ["warmup_steps"] = w.Warmup,
                    ["forward_gflop_per_sample"] = Flops.Forward(w) / 1e9, ["training_gflop_per_sample"] = flops / 1e9,
                    ["spectune_samples_per_s"] = spectune, ["hand_samples_per_s"] = hand, ["ratio_median_of_pairs"] = ratio,
                    ["spectune_samples_per_cpu_s"] = cpuSpecTune, ["hand_samples_per_cpu_s"] = cpuHand, ["cpu_ratio_median_of_pairs"] = cpuRatio,
                    ["mfu_spectune"] = mfuSpecTune, ["mfu_hand"] = mfuHand,
                    ["peak_rss_mb_spectune"] = rssSpecTune, ["peak_rss_mb_hand"] = rssHand,
                    ["steps_peak_rss_mb_spectune"] = Med(prefix + "spectune", "steps_peak_rss_mb"), ["steps_peak_rss_mb_hand"] = Med(prefix + "hand", "steps_peak_rss_mb"),
                    ["spectune_runs"] = Array(samples[prefix + "spectune"], "rate"), ["hand_runs"] = Array(samples[prefix + "hand"], "rate"),
                    ["hand_default_allocator_samples_per_s"] = handDefault, ["ratio_vs_default_allocator_hand"] = ratioDefault,
                    ["hand_default_allocator_runs"] = Array(samples[prefix + "hand-default"], "rate"),
                    ["faults_per_step_spectune"] = faultsSpecTune, ["faults_per_step_hand"] = faultsHand, ["faults_per_step_hand_default_allocator"] = faultsDefault,
                };
                if (samples.TryGetValue(prefix + "cache", out var cached))
                {
                    double uncachedEpoch = Median(samples[prefix + "spectune"].Select(s => s["epoch_seconds"]!.AsArray().Last()!.GetValue<double>()));
                    double firstEpoch = Median(cached.Select(s => s["epoch_seconds"]![0]!.GetValue<double>()));
                    double laterEpoch = Median(cached.Select(s => s["epoch_seconds"]![1]!.GetValue<double>()));
                    row["cache"] = new JsonObject
                    {
                        ["used"] = cached[0]["prefix"]!.GetValue<string>(),
                        ["cached_through"] = cached[0]["cached_through"]?.GetValue<string>(),
                        ["samples_per_s"] = Med(prefix + "cache", "rate"),
                        ["epoch_seconds_without_cache"] = uncachedEpoch,
                        ["first_epoch_seconds_with_cache"] = firstEpoch,
                        ["later_epoch_seconds_with_cache"] = laterEpoch,
                        ["first_epoch_speedup"] = uncachedEpoch / firstEpoch,
                        ["later_epoch_speedup"] = uncachedEpoch / laterEpoch,
                        ["peak_rss_mb"] = Med(prefix + "cache", "peak_rss_mb"),
                    };
                }
                rows.Add(row);
            }

        table.AppendLine();
        table.AppendLine("the hand-written loop on glibc's default malloc settings (SpecTune's trainer fixes them, see NativeAllocator), and minor page faults per step");
        table.AppendLine("workload             phase      | hand default samples/s  ratio | faults/step SpecTune  hand  default");
        table.Append(defaults);

        // The top phase: cache off against on, both SpecTune; the cache cuts inside the backbone.
        var topRows = new JsonArray();
        foreach (var w in Workload.All)
        {
            string prefix = $"{w.Name}/{Phases.Top}/";
            double without = Median(samples[prefix + "spectune"].Select(s => s["epoch_seconds"]!.AsArray().Last()!.GetValue<double>()));
            double first = Median(samples[prefix + "cache"].Select(s => s["epoch_seconds"]![0]!.GetValue<double>()));
            double later = Median(samples[prefix + "cache"].Select(s => s["epoch_seconds"]!.AsArray().Last()!.GetValue<double>()));
            topRows.Add(new JsonObject
            {
                ["workload"] = w.Name, ["phase"] = Phases.Top,
                ["used"] = samples[prefix + "cache"][0]["prefix"]!.GetValue<string>(),
                ["cached_through"] = samples[prefix + "cache"][0]["cached_through"]?.GetValue<string>(),
                ["epoch_seconds_without_cache"] = without, ["first_epoch_seconds_with_cache"] = first, ["later_epoch_seconds_with_cache"] = later,
                ["first_epoch_speedup"] = without / first, ["later_epoch_speedup"] = without / later,
                ["peak_rss_mb"] = Med(prefix + "cache", "peak_rss_mb"), ["peak_rss_mb_without_cache"] = Med(prefix + "spectune", "peak_rss_mb"),
            });
        }

        table.AppendLine();
        table.AppendLine("frozen-prefix feature cache: epoch seconds without the cache, with it (first epoch builds it), speed-up");
        void CacheLine(string title, string phase, JsonObject c) =>
            table.AppendLine($"{title,-20} {phase,-10} without {c["epoch_seconds_without_cache"]!.GetValue<double>(),7:F3} s   " +
                $"first {c["first_epoch_seconds_with_cache"]!.GetValue<double>(),7:F3} s ({c["first_epoch_speedup"]!.GetValue<double>():F1}x)   " +
                $"later {c["later_epoch_seconds_with_cache"]!.GetValue<double>(),7:F3} s ({c["later_epoch_speedup"]!.GetValue<double>():F1}x)   " +
                $"[{c["used"]}{(c["cached_through"] is { } cut ? " through " + cut : "")}]");
        foreach (var row in rows.Select(r => r!.AsObject()).Where(r => r.ContainsKey("cache")))
            CacheLine(Workload.Find(row["workload"]!.GetValue<string>()).Title, row["phase"]!.GetValue<string>(), row["cache"]!.AsObject());
        foreach (var row in topRows.Select(r => r!.AsObject()))
            CacheLine(Workload.Find(row["workload"]!.GetValue<string>()).Title, "top", row);

        double realEpoch = Med("real/spectune", "epoch_seconds"), computeEpoch = Med("real/compute", "epoch_seconds");
        double loader = Med("real/compute", "loader_seconds");
        double realCpu = Med("real/spectune", "epoch_cpu_seconds"), computeCpu = Med("real/compute", "epoch_cpu_seconds");
        table.AppendLine();
        table.AppendLine($"real data (Fashion-MNIST subset, 4,800 images, cnn full fine-tune, batch 128): SpecTune epoch {realEpoch:F3} s / {realCpu:F3} CPU-s, " +
            $"compute-only {computeEpoch:F3} s / {computeCpu:F3} CPU-s (pre-materialised batches, hand-written loop) -> {realEpoch / computeEpoch:F3}x wall, {realCpu / computeCpu:F3}x CPU; " +
            $"the loader alone prepares an epoch in {loader:F3} s on one thread");

        var json = new JsonObject
        {
            ["threads"] = threads,
            ["matmul_peak_gflops"] = matmul,
            ["configurations"] = rows,
            ["top_phase_cache"] = topRows,
            ["real_data"] = new JsonObject
            {
                ["spectune_epoch_seconds"] = realEpoch, ["compute_only_epoch_seconds"] = computeEpoch, ["ratio"] = realEpoch / computeEpoch,
                ["spectune_epoch_cpu_seconds"] = realCpu, ["compute_only_epoch_cpu_seconds"] = computeCpu, ["cpu_ratio"] = realCpu / computeCpu,
                ["loader_only_epoch_seconds"] = loader, ["spectune_runs"] = Array(samples["real/spectune"], "epoch_seconds"),
                ["compute_runs"] = Array(samples["real/compute"], "epoch_seconds"),
            },
        };
        return (json, table.ToString());
    }

    private static JsonArray Array(List<JsonObject> runs, string field) => new(runs.Select(r => (JsonNode)r[field]!.GetValue<double>()).ToArray());

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.OrderBy(v => v).ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
    }

    private static JsonObject Child(string command, string[] args)
    {
        var start = new ProcessStartInfo(Environment.ProcessPath!) { RedirectStandardOutput = true, RedirectStandardError = true };
        if (Path.GetFileNameWithoutExtension(Environment.ProcessPath!) == "dotnet") start.ArgumentList.Add(typeof(Orchestrator).Assembly.Location);
        start.ArgumentList.Add("child");
        start.ArgumentList.Add(command);
        foreach (var arg in args) start.ArgumentList.Add(arg);
        using var process = Process.Start(start)!;
        var error = process.StandardError.ReadToEndAsync();
        var stdout = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        var line = stdout.Split('\n').LastOrDefault(l => l.StartsWith("RESULT ", StringComparison.Ordinal));
        if (process.ExitCode != 0 || line is null)
            throw new InvalidOperationException($"child {command} {string.Join(' ', args)} failed ({process.ExitCode}):\n{stdout}\n{error.Result}");
        return JsonNode.Parse(line["RESULT ".Length..])!.AsObject();
    }
}

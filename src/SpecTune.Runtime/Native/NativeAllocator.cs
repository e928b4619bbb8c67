using System.Runtime.InteropServices;

namespace SpecTune.Native;

/// <summary>
/// Keeps glibc's malloc from handing freed tensor memory back to the operating system between training steps.
/// </summary>
/// <remarks>
/// libtorch allocates every activation and gradient with malloc. glibc's defaults adapt the mmap and trim thresholds
/// to the sizes freed, so depending on how the heap happens to be laid out, each step can return its multi-megabyte
/// activations to the kernel and fault them back in, page by page, on the next step (inside parallel regions, where
/// both intra-op threads then wait on the page-fault path). Measured on the small CNN at 2 threads: the same process
/// settles in either a 17 ms or a 24-31 ms step regime, hand-written loops included; with the thresholds fixed, every
/// run is in the fast one (bench/, README "Performance"). PyTorch's CPU tuning guide reaches for jemalloc or tcmalloc
/// for the same reason; fixed thresholds get the effect without preloading another allocator.
/// <para>Settings are process-wide and apply once. Left alone where the user chose: SPECTUNE_MALLOC_TUNING=0, malloc
/// settings in the environment (MALLOC_*_ or GLIBC_TUNABLES=glibc.malloc.*), or another allocator preloaded.
/// Linux with glibc only; elsewhere a no-op.</para>
/// </remarks>
internal static class NativeAllocator
{
    /// <summary>Environment variable that turns the tuning off when set to 0 or false.</summary>
    public const string SwitchVariable = "SPECTUNE_MALLOC_TUNING";

    /// <summary>
    /// Requests of at least this many bytes still get their own mapping; below it, they come from the heap and are reused.
    /// 32 MiB is the largest value glibc accepts on 64-bit (half its 64 MiB heap size).
    /// </summary>
    public const int MmapThresholdBytes = 32 << 20;

    /// <summary>Free memory at the top of the heap that glibc keeps instead of trimming (the most mallopt takes).</summary>
    public const int TrimThresholdBytes = int.MaxValue;

    private const int MallocTrimThreshold = -1, MallocMmapThreshold = -3; // M_TRIM_THRESHOLD, M_MMAP_THRESHOLD (malloc.h)

    private static readonly object Gate = new();
    private static AllocatorTuning? _applied;

    /// <summary>What the last <see cref="TuneForTraining"/> decided, or null before the first call.</summary>
    public static AllocatorTuning? Applied
    {
        get { lock (Gate) return _applied; }
    }

    /// <summary>
    /// Fixes glibc's mmap and trim thresholds for this process (once; later calls return the first outcome).
    /// Called by the trainer before the first step.
    /// </summary>
    public static AllocatorTuning TuneForTraining()
    {
        lock (Gate)
        {
            if (_applied is { } done) return done;
            var decision = Decide(Environment.GetEnvironmentVariables().Cast<System.Collections.DictionaryEntry>()
                .ToDictionary(e => (string)e.Key, e => e.Value as string, StringComparer.Ordinal), OperatingSystem.IsLinux());
            if (decision.Applied && !SetThresholds())
                decision = new AllocatorTuning(false, "mallopt refused the thresholds (not glibc?)");
            _applied = decision;
            return decision;
        }
    }

    /// <summary>
    /// Returns the free memory that training kept back to the operating system (glibc's malloc_trim). The trainer
    /// calls it when a run ends, so a process that goes on after training does not keep its peak working set.
    /// </summary>
    public static void ReleaseFreeMemory()
    {
        if (Applied is not { Applied: true }) return;
        try
        {
            MallocTrim(0);
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            // Not glibc after all; nothing was kept.
        }
    }

    /// <summary>Whether to tune, from the environment and the platform (pure, for tests).</summary>
    public static AllocatorTuning Decide(IReadOnlyDictionary<string, string?> environment, bool isLinux)
    {
        if (!isLinux) return new AllocatorTuning(false, "not Linux: the system allocator is left as it is");
        if (environment.TryGetValue(SwitchVariable, out var flag) && flag?.Trim() is "0" or "false" or "False" or "FALSE" or "off")
            return new AllocatorTuning(false, $"{SwitchVariable}={flag}");
        foreach (var name in new[] { "MALLOC_TRIM_THRESHOLD_", "MALLOC_MMAP_THRESHOLD_", "MALLOC_TOP_PAD_", "MALLOC_MMAP_MAX_" })
            if (environment.TryGetValue(name, out var value) && !string.IsNullOrEmpty(value))
                return new AllocatorTuning(false, $"{name} is set: the user's malloc settings stand");
        if (environment.TryGetValue("GLIBC_TUNABLES", out var tunables) && tunables?.Contains("glibc.malloc.", StringComparison.Ordinal) == true)
            return new AllocatorTuning(false, "GLIBC_TUNABLES sets malloc: the user's malloc settings stand");
        if (environment.TryGetValue("LD_PRELOAD", out var preload) && preload is not null &&
            new[] { "jemalloc", "tcmalloc", "mimalloc" }.FirstOrDefault(a => preload.Contains(a, StringComparison.OrdinalIgnoreCase)) is { } allocator)
            return new AllocatorTuning(false, $"{allocator} is preloaded");
        return new AllocatorTuning(true, $"glibc malloc: mmap threshold {MmapThresholdBytes >> 20} MiB, trim threshold {TrimThresholdBytes / (1 << 20)} MiB");
    }

    private static bool SetThresholds()
    {
        try
        {
            return Mallopt(MallocMmapThreshold, MmapThresholdBytes) == 1 && Mallopt(MallocTrimThreshold, TrimThresholdBytes) == 1;
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return false;
        }
    }

    [DllImport("libc", EntryPoint = "mallopt")]
    private static extern int Mallopt(int parameter, int value);

    [DllImport("libc", EntryPoint = "malloc_trim")]
    private static extern int MallocTrim(nuint pad);
}

/// <summary>Whether the allocator was tuned, and why (or why not).</summary>
/// <param name="Applied">True when the thresholds were set.</param>
/// <param name="Reason">What was set, or what stopped it.</param>
internal sealed record AllocatorTuning(bool Applied, string Reason);

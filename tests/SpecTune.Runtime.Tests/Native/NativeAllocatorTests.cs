using System.Globalization;
using SpecTune.Native;
using TorchSharp;
using Xunit;

namespace SpecTune.Runtime.Tests.Native;

/// <summary>Runs alone: page-fault counts are the point, and other tests' threads may share this one's malloc arena.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class NativeMemoryCollection
{
    public const string Name = "native memory";
}

[Collection(NativeMemoryCollection.Name)]
public class NativeAllocatorTests
{
    private static Dictionary<string, string?> Env(params (string Name, string Value)[] variables) =>
        variables.ToDictionary(v => v.Name, v => (string?)v.Value, StringComparer.Ordinal);

    [Fact]
    public void Tunes_glibc_on_linux_when_the_user_set_nothing()
    {
        var decision = NativeAllocator.Decide(Env(("PATH", "/usr/bin")), isLinux: true);
        Assert.True(decision.Applied);
        Assert.Contains("32 MiB", decision.Reason, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("SPECTUNE_MALLOC_TUNING", "0")]
    [InlineData("SPECTUNE_MALLOC_TUNING", "false")]
    [InlineData("MALLOC_TRIM_THRESHOLD_", "100000")]
    [InlineData("MALLOC_MMAP_THRESHOLD_", "100000")]
    [InlineData("GLIBC_TUNABLES", "glibc.malloc.trim_threshold=1")]
    [InlineData("LD_PRELOAD", "/usr/lib/x86_64-linux-gnu/libjemalloc.so.2")]
    [InlineData("LD_PRELOAD", "libtcmalloc_minimal.so.4")]
    public void Leaves_the_allocator_alone_where_the_user_chose(string name, string value)
    {
        var decision = NativeAllocator.Decide(Env((name, value)), isLinux: true);
        Assert.False(decision.Applied);
        Assert.Contains(name == "LD_PRELOAD" ? "preloaded" : name, decision.Reason, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("SPECTUNE_MALLOC_TUNING", "1")]
    [InlineData("GLIBC_TUNABLES", "glibc.pthread.rseq=0")]
    [InlineData("LD_PRELOAD", "libfaketime.so")]
    public void Unrelated_settings_do_not_stop_it(string name, string value) =>
        Assert.True(NativeAllocator.Decide(Env((name, value)), isLinux: true).Applied);

    [Fact]
    public void Does_nothing_off_linux() =>
        Assert.False(NativeAllocator.Decide(Env(), isLinux: false).Applied);

    /// <summary>
    /// The behaviour the tuning exists for: activation-sized tensors freed and allocated again are reused, not returned
    /// to the kernel and faulted back in. Four 12 MiB tensors per cycle, pages touched and faults counted on a thread of
    /// the test's own, which glibc gives an arena of its own while the process has fewer than its arena limit (8 per
    /// core), so other tests' allocations do not take the freed blocks. Untuned (SPECTUNE_MALLOC_TUNING=0, Applied check
    /// removed), every other cycle faults 6,145 pages in again (glibc's adaptive thresholds trim the heap): half the
    /// cycles. Tuned, the typical cycle faults nothing; the bound (a quarter of the cycles) tolerates the arena being
    /// shared once in a while, far from the untuned half.
    /// </summary>
    [Fact]
    public void Freed_activations_are_reused_without_page_faults()
    {
        if (!OperatingSystem.IsLinux()) return;
        var tuning = NativeAllocator.TuneForTraining();
        Assert.True(tuning.Applied, tuning.Reason);
        Assert.Same(tuning, NativeAllocator.TuneForTraining()); // once per process

        const int warmup = 3, cycles = 24;
        var faults = new List<long>();
        Exception? failure = null;
        var thread = new Thread(() =>
        {
            try
            {
                var tensors = new torch.Tensor[4];
                for (int c = -warmup; c < cycles; c++)
                {
                    long before = ThreadMinorFaults();
                    for (int i = 0; i < tensors.Length; i++) tensors[i] = torch.empty(3L << 20);
                    for (int i = 0; i < tensors.Length; i++) TouchPages(tensors[i]);
                    for (int i = 0; i < tensors.Length; i++) tensors[i].Dispose();
                    if (c >= 0) faults.Add(ThreadMinorFaults() - before);
                }
            }
            catch (Exception e) { failure = e; }
        });
        thread.Start();
        thread.Join();
        Assert.Null(failure);

        int faulting = faults.Count(f => f > 300);
        Assert.True(faults.Order().ElementAt(cycles / 2) <= 300 && faulting <= cycles / 4,
            $"{faulting} of {cycles} cycles faulted pages in again ({string.Join(", ", faults)}); a cycle writes {4 * 3072} pages");
    }

    private static void TouchPages(torch.Tensor tensor)
    {
        var bytes = tensor.bytes; // the tensor's own memory, not a copy
        for (int offset = 0; offset < bytes.Length; offset += 4096) bytes[offset] = 1;
    }

    /// <summary>Minor faults of the calling thread (field 10 of /proc/thread-self/stat).</summary>
    private static long ThreadMinorFaults()
    {
        var stat = File.ReadAllText("/proc/thread-self/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return long.Parse(fields[10 - 3], CultureInfo.InvariantCulture);
    }
}

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
    /// The setting the tuning exists for, read back from glibc itself: after tuning, an activation-sized block (16 MiB,
    /// below the fixed 32 MiB mmap threshold) comes from the heap, where freed blocks are reused; untuned, a fresh process
    /// maps it (glibc's initial threshold is 128 KiB). Larger blocks are not asserted: glibc serves them from free heap
    /// when earlier work left enough, whatever the threshold. glibc marks a chunk it mapped with bit 0x2 (IS_MMAPPED) of the size word just before
    /// the pointer malloc returns. Deterministic: no page-fault counts that depend on the rest of the process (the step
    /// times the tuning buys are measured in bench/).
    /// </summary>
    [Fact]
    public void After_tuning_activation_sized_blocks_come_from_the_heap()
    {
        if (!OperatingSystem.IsLinux()) return;
        var tuning = NativeAllocator.TuneForTraining();
        Assert.True(tuning.Applied, tuning.Reason);
        Assert.Same(tuning, NativeAllocator.TuneForTraining()); // once per process

        Assert.False(IsMapped(16 << 20), "a 16 MiB block was mapped: the mmap threshold is not fixed at 32 MiB");
    }

    private static bool IsMapped(nuint bytes)
    {
        var block = Malloc(bytes);
        Assert.NotEqual(IntPtr.Zero, block);
        try
        {
            long sizeWord = System.Runtime.InteropServices.Marshal.ReadInt64(block, -8);
            return (sizeWord & 0x2) != 0;
        }
        finally
        {
            Free(block);
        }
    }

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "malloc")]
    private static extern IntPtr Malloc(nuint size);

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "free")]
    private static extern void Free(IntPtr block);
}

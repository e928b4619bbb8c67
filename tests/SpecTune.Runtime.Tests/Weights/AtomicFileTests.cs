using SpecTune.Faults;
using SpecTune.Weights;

namespace SpecTune.Tests.Weights;

public sealed class AtomicFileTests : IDisposable
{
    private readonly TempFolder _folder = new();

    [Fact]
    public void A_failing_write_is_SPT0332_naming_the_file_and_leaves_the_previous_file_and_no_temp()
    {
        var target = _folder.File("checkpoint-latest.safetensors");
        File.WriteAllText(target, "previous good checkpoint");

        // The injected writer fails half-way, as a full disk does.
        var error = Assert.Throws<RunFaultException>(() => AtomicFile.Write(target, stream =>
        {
            stream.Write(new byte[4096]);
            throw new IOException("No space left on device");
        }));

        Assert.Equal("SPT0332", error.Id);
        Assert.Equal(target, error.FilePath);
        Assert.Contains(target, error.Message);
        Assert.Contains("No space left on device", error.Message);
        Assert.IsType<IOException>(error.InnerException);
        Assert.Equal("previous good checkpoint", File.ReadAllText(target));
        Assert.Equal(["checkpoint-latest.safetensors"], _folder.Entries());
    }

    [Fact]
    public void A_bug_in_the_writer_is_not_dressed_up_as_an_IO_fault()
    {
        var target = _folder.File("out.bin");
        Assert.Throws<InvalidOperationException>(() => AtomicFile.Write(target, _ => throw new InvalidOperationException("bug")));
        Assert.Empty(_folder.Entries());
    }

    public void Dispose() => _folder.Dispose();
}

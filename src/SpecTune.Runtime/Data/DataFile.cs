using System.IO.Compression;

namespace SpecTune.Data;

/// <summary>Reads whole input files, turning I/O failures into <see cref="DataException"/>s that name the file.</summary>
internal static class DataFile
{
    /// <summary>Reads a file into memory, decompressing it when it starts with the gzip magic bytes (whatever its extension).</summary>
    public static byte[] ReadAllBytesDecompressed(string path)
    {
        var raw = ReadAllBytes(path);
        if (raw.Length < 2 || raw[0] != 0x1f || raw[1] != 0x8b)
            return raw;
        try
        {
            using var input = new GZipStream(new MemoryStream(raw, writable: false), CompressionMode.Decompress);
            using var output = new MemoryStream(raw.Length * 4);
            input.CopyTo(output);
            return output.ToArray();
        }
        catch (InvalidDataException e)
        {
            throw new DataException(path, $"starts like a gzip file but cannot be decompressed ({e.Message}); expected a valid gzip stream or an uncompressed file", innerException: e);
        }
    }

    public static byte[] ReadAllBytes(string path)
    {
        try
        {
            return File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw Unreadable(path, e);
        }
    }

    public static string[] ReadAllLines(string path)
    {
        try
        {
            return File.ReadAllLines(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw Unreadable(path, e);
        }
    }

    private static DataException Unreadable(string path, Exception e) => e is FileNotFoundException or DirectoryNotFoundException
        ? new DataException(path, "file not found; expected an existing data file", innerException: e)
        : new DataException(path, $"cannot be read ({e.Message})", innerException: e);
}

namespace SpecTune.Data;

/// <summary>Maps pixel bytes to floats through a 256-entry table: one lookup per pixel, no multiply.</summary>
internal static class ByteScale
{
    /// <summary>Entry b is b × scale, computed in double so that the default 1/255 gives b/255 rounded once.</summary>
    public static float[] Table(double scale)
    {
        var table = new float[256];
        for (int b = 0; b < table.Length; b++)
            table[b] = (float)(b * scale);
        return table;
    }
}

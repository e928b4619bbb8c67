namespace SpecTune.Data;

/// <summary>
/// Derives independent random seeds from (seed, purpose, a, b) so that every random stream in the data
/// layer is a pure function of its inputs, never of call order or threads.
/// </summary>
internal static class SeedMixer
{
    public const ulong ShuffleStream = 0x5348_5546;     // "SHUF"
    public const ulong AugmentStream = 0x4155_474D;     // "AUGM"
    public const ulong SplitStream = 0x5350_4C54;       // "SPLT"

    public static int Combine(int seed, ulong stream, long a, long b = 0)
    {
        ulong h = Mix((ulong)(uint)seed ^ (stream << 32));
        h = Mix(h ^ (ulong)a);
        h = Mix(h ^ (ulong)b);
        return (int)(h & 0x7FFF_FFFF);
    }

    // SplitMix64's finaliser: a cheap bijection whose outputs for nearby inputs are uncorrelated.
    private static ulong Mix(ulong z)
    {
        z += 0x9E37_79B9_7F4A_7C15;
        z = (z ^ (z >> 30)) * 0xBF58_476D_1CE4_E5B9;
        z = (z ^ (z >> 27)) * 0x94D0_49BB_1331_11EB;
        return z ^ (z >> 31);
    }
}

namespace SpecTune.Data;

/// <summary>Seeded train/validation splits of one source.</summary>
internal static class DataSplit
{
    /// <summary>
    /// Holds out about <paramref name="validFraction"/> of the samples for validation. Class-labelled
    /// data is split per class (stratified), so both parts keep the class proportions; regression data
    /// is split at random. The result depends only on the source's labels, the fraction and the seed.
    /// Both parts list their samples in source order; the two are disjoint and together cover the source.
    /// </summary>
    public static (SubsetSource Train, SubsetSource Valid) Split(IDataSource source, double validFraction, int seed)
    {
        if (!(validFraction > 0 && validFraction < 1))
            throw new ArgumentOutOfRangeException(nameof(validFraction), validFraction, "expected a fraction between 0 and 1 (exclusive)");

        var groups = new List<List<int>>();
        if (source.ClassCount > 0)
        {
            for (int c = 0; c < source.ClassCount; c++)
                groups.Add([]);
            for (int i = 0; i < source.Count; i++)
                groups[(int)source.ReadTarget(i)].Add(i);
        }
        else
        {
            groups.Add(Enumerable.Range(0, source.Count).ToList());
        }

        var valid = new List<int>();
        for (int g = 0; g < groups.Count; g++)
        {
            var members = groups[g];
            var random = new Random(SeedMixer.Combine(seed, SeedMixer.SplitStream, g));
            Shuffle(members, random);
            int take = (int)Math.Round(members.Count * validFraction, MidpointRounding.AwayFromZero);
            valid.AddRange(members.Take(take));
        }

        if (valid.Count == 0 || valid.Count == source.Count)
            throw new DataException(source.Origin, $"split: {validFraction} of {source.Count} samples leaves {valid.Count} for validation and {source.Count - valid.Count} for training; expected both to be non-empty");

        valid.Sort();
        var isValid = new bool[source.Count];
        foreach (var i in valid)
            isValid[i] = true;
        var train = Enumerable.Range(0, source.Count).Where(i => !isValid[i]);
        return (new SubsetSource(source, train), new SubsetSource(source, valid));
    }

    private static void Shuffle(List<int> items, Random random)
    {
        for (int i = items.Count - 1; i > 0; i--)
        {
            int j = random.Next(i + 1);
            (items[i], items[j]) = (items[j], items[i]);
        }
    }
}

using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using SpecTune.Weights;
using static TorchSharp.torch;

namespace SpecTune.Checkpoints;

/// <summary>
/// Keeps a training run's latest checkpoint in one folder as <c>checkpoint-latest.safetensors</c>:
/// tensors <c>model.*</c>, <c>optim.*</c>, <c>best.*</c> and <c>rng.torch</c>, the state fields in
/// the header's metadata as invariant-culture strings, and a SHA-256 of the tensors so that
/// corruption is detected on load. Each save replaces the file atomically, so a crash or a failed
/// save leaves the previous checkpoint intact. One training run owns a folder at a time.
/// </summary>
internal sealed class CheckpointStore
{
    /// <summary>The file name of the latest checkpoint in the folder.</summary>
    public const string LatestFileName = "checkpoint-latest.safetensors";

    internal const string ModelPrefix = "model.";
    internal const string OptimizerPrefix = "optim.";
    internal const string BestPrefix = "best.";
    internal const string RngName = "rng.torch";
    internal const string FormatKey = "spectune.checkpoint";
    internal const string FormatVersion = "1";
    internal const string SpecHashKey = "spectune.spec_hash";
    internal const string PhaseIndexKey = "spectune.phase_index";
    internal const string EpochKey = "spectune.epoch";
    internal const string StepKey = "spectune.step";
    internal const string StepInEpochKey = "spectune.step_in_epoch";
    internal const string BestMetricKey = "spectune.best_metric";
    internal const string EpochsWithoutImprovementKey = "spectune.epochs_without_improvement";
    internal const string DigestKey = "spectune.sha256";
    internal const string UserPrefix = "user.";

    public CheckpointStore(string folder)
    {
        ArgumentException.ThrowIfNullOrEmpty(folder);
        Folder = Path.GetFullPath(folder);
    }

    public string Folder { get; }

    public string LatestPath => Path.Combine(Folder, LatestFileName);

    public bool HasCheckpoint => File.Exists(LatestPath);

    /// <summary>
    /// Saves the run's state with <paramref name="model"/>'s parameters and buffers, the optimizer's
    /// state tensors, the best weights so far (for restore-best) and torch's CPU RNG state, replacing
    /// the previous checkpoint only once the new one is completely on disk. Call it after each epoch
    /// and on cancellation; it takes no cancellation token because a half-taken checkpoint is useless.
    /// </summary>
    public void Save(TrainingCheckpoint checkpoint, nn.Module model,
        IReadOnlyDictionary<string, Tensor>? optimizerState = null, IReadOnlyDictionary<string, Tensor>? bestWeights = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        Save(checkpoint, WeightLoader.TensorsOf(model).ToDictionary(t => t.Name, t => t.Tensor), optimizerState, bestWeights);
    }

    /// <summary>As <see cref="Save(TrainingCheckpoint, nn.Module, IReadOnlyDictionary{string, Tensor}?, IReadOnlyDictionary{string, Tensor}?)"/>, with the model state as a dictionary.</summary>
    public void Save(TrainingCheckpoint checkpoint, IReadOnlyDictionary<string, Tensor> modelState,
        IReadOnlyDictionary<string, Tensor>? optimizerState = null, IReadOnlyDictionary<string, Tensor>? bestWeights = null)
    {
        ArgumentNullException.ThrowIfNull(checkpoint);
        ArgumentNullException.ThrowIfNull(modelState);
        Validate(checkpoint);

        using var rng = get_rng_state();
        var tensors = new List<KeyValuePair<string, Tensor>>();
        Add(tensors, ModelPrefix, modelState);
        Add(tensors, OptimizerPrefix, optimizerState);
        Add(tensors, BestPrefix, bestWeights);
        tensors.Add(new(RngName, rng));
        tensors.Sort((a, b) => string.CompareOrdinal(a.Key, b.Key));

        var metadata = StateToMetadata(checkpoint);
        metadata[DigestKey] = Digest(tensors);

        Directory.CreateDirectory(Folder);
        RemoveStaleTempFiles();
        SafeTensors.Write(LatestPath, tensors, metadata);
    }

    /// <summary>
    /// Loads the latest checkpoint, or returns null when the folder has none. With
    /// <paramref name="expectedSpecHash"/>, a checkpoint saved for another spec is an error.
    /// </summary>
    /// <exception cref="CheckpointException">The checkpoint is unreadable, truncated, corrupt, or for another spec.</exception>
    public LoadedCheckpoint? TryLoadLatest(string? expectedSpecHash = null) =>
        HasCheckpoint ? Load(LatestPath, expectedSpecHash) : null;

    /// <summary>Deletes the latest checkpoint, e.g. when a run finished and should not resume.</summary>
    public void Delete()
    {
        if (File.Exists(LatestPath))
            File.Delete(LatestPath);
    }

    /// <summary>Loads and checks a checkpoint file; see <see cref="TryLoadLatest"/>.</summary>
    /// <exception cref="CheckpointException">The checkpoint is unreadable, truncated, corrupt, or for another spec.</exception>
    public static LoadedCheckpoint Load(string path, string? expectedSpecHash = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        Dictionary<string, Tensor> tensors;
        IReadOnlyDictionary<string, string> metadata;
        try
        {
            // Everything is read now and the file closed, so a later save can replace it (Windows
            // refuses to rename over an open file) and a corrupt file is found before training resumes.
            using var file = SafeTensors.Read(path);
            metadata = file.Metadata;
            tensors = file.ReadAll();
        }
        catch (WeightsFormatException e)
        {
            throw new CheckpointException(path, $"the checkpoint is damaged (truncated or corrupt): {e.Problem}", e);
        }

        try
        {
            var state = MetadataToState(path, metadata);
            CheckDigest(path, metadata, tensors);
            var loaded = new LoadedCheckpoint(path, state, tensors);
            if (expectedSpecHash is not null)
                loaded.VerifySpecHash(expectedSpecHash);
            return loaded;
        }
        catch
        {
            foreach (var tensor in tensors.Values)
                tensor.Dispose();
            throw;
        }
    }

    private static void Validate(TrainingCheckpoint c)
    {
        if (string.IsNullOrEmpty(c.SpecHash))
            throw new ArgumentException("The checkpoint needs a spec hash.", nameof(c));
        if (c.PhaseIndex < 0 || c.Epoch < 0 || c.Step < 0 || c.StepInEpoch < 0 || c.EpochsWithoutImprovement < 0)
            throw new ArgumentException($"Checkpoint counters must not be negative: {c}.", nameof(c));
        foreach (var (key, value) in c.Metadata)
        {
            if (key is null || value is null)
                throw new ArgumentException("Checkpoint metadata keys and values must not be null.", nameof(c));
        }
    }

    private static void Add(List<KeyValuePair<string, Tensor>> tensors, string prefix, IReadOnlyDictionary<string, Tensor>? group)
    {
        if (group is null)
            return;
        foreach (var (name, tensor) in group)
            tensors.Add(new(prefix + name, tensor));
    }

    private static Dictionary<string, string> StateToMetadata(TrainingCheckpoint c)
    {
        var inv = CultureInfo.InvariantCulture;
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            [FormatKey] = FormatVersion,
            [SpecHashKey] = c.SpecHash,
            [PhaseIndexKey] = c.PhaseIndex.ToString(inv),
            [EpochKey] = c.Epoch.ToString(inv),
            [StepKey] = c.Step.ToString(inv),
            [StepInEpochKey] = c.StepInEpoch.ToString(inv),
            [EpochsWithoutImprovementKey] = c.EpochsWithoutImprovement.ToString(inv),
        };
        if (c.BestMetric is { } best)
            metadata[BestMetricKey] = best.ToString("R", inv);
        foreach (var (key, value) in c.Metadata)
            metadata[UserPrefix + key] = value;
        return metadata;
    }

    private static TrainingCheckpoint MetadataToState(string path, IReadOnlyDictionary<string, string> metadata)
    {
        if (!metadata.TryGetValue(FormatKey, out var version))
            throw new CheckpointException(path, $"not a SpecTune checkpoint (its metadata has no '{FormatKey}')");
        if (version != FormatVersion)
            throw new CheckpointException(path, $"checkpoint format version '{version}' is not supported (this SpecTune reads version {FormatVersion})");

        string Required(string key) => metadata.TryGetValue(key, out var value)
            ? value
            : throw new CheckpointException(path, $"the checkpoint's metadata lacks '{key}'");
        long Integer(string key, long max)
        {
            var text = Required(key);
            return long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value <= max
                ? value
                : throw new CheckpointException(path, $"metadata '{key}' is '{text}', not an integer from 0 to {max}");
        }

        double? best = null;
        if (metadata.TryGetValue(BestMetricKey, out var bestText))
        {
            best = double.TryParse(bestText, NumberStyles.Float, CultureInfo.InvariantCulture, out var value)
                ? value
                : throw new CheckpointException(path, $"metadata '{BestMetricKey}' is '{bestText}', not a number");
        }
        var specHash = Required(SpecHashKey);
        if (specHash.Length == 0)
            throw new CheckpointException(path, $"metadata '{SpecHashKey}' is empty");

        return new TrainingCheckpoint
        {
            SpecHash = specHash,
            PhaseIndex = (int)Integer(PhaseIndexKey, int.MaxValue),
            Epoch = (int)Integer(EpochKey, int.MaxValue),
            Step = Integer(StepKey, long.MaxValue),
            StepInEpoch = (int)Integer(StepInEpochKey, int.MaxValue),
            BestMetric = best,
            EpochsWithoutImprovement = (int)Integer(EpochsWithoutImprovementKey, int.MaxValue),
            Metadata = metadata.Where(p => p.Key.StartsWith(UserPrefix, StringComparison.Ordinal))
                .ToDictionary(p => p.Key[UserPrefix.Length..], p => p.Value, StringComparer.Ordinal),
        };
    }

    private static void CheckDigest(string path, IReadOnlyDictionary<string, string> metadata, Dictionary<string, Tensor> tensors)
    {
        if (!metadata.TryGetValue(DigestKey, out var expected))
            throw new CheckpointException(path, $"the checkpoint's metadata lacks '{DigestKey}'");
        var actual = Digest(tensors.OrderBy(p => p.Key, StringComparer.Ordinal).ToList());
        if (actual != expected)
            throw new CheckpointException(path, "the checkpoint is corrupt: its tensor data does not match the checksum saved with it");
    }

    /// <summary>
    /// SHA-256 over each tensor's name, dtype, shape and bytes, in the given (name) order. The header
    /// is already validated on load; this catches damage inside the data, which the format cannot see.
    /// </summary>
    private static string Digest(IReadOnlyList<KeyValuePair<string, Tensor>> tensors)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var (name, tensor) in tensors)
        {
            var shape = string.Join(",", tensor.shape.Select(d => d.ToString(CultureInfo.InvariantCulture)));
            hash.AppendData(Encoding.UTF8.GetBytes($"{name}\n{tensor.dtype}\n{shape}\n"));
            if (tensor.numel() == 0)
                continue;
            using var scope = NewDisposeScope();
            var flat = tensor.detach().to(CPU).contiguous().reshape(-1);
            long perChunk = Math.Max(1, SafeTensors.ChunkBytes / flat.ElementSize);
            for (long start = 0; start < flat.numel(); start += perChunk)
            {
                using var part = flat.narrow(0, start, Math.Min(perChunk, flat.numel() - start));
                hash.AppendData(part.bytes);
            }
        }
        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    private void RemoveStaleTempFiles()
    {
        // Temporary files of saves that crashed; the folder belongs to this run, so none is in use.
        foreach (var stale in Directory.EnumerateFiles(Folder, AtomicFile.TempPattern(LatestPath)))
        {
            try
            {
                File.Delete(stale);
            }
            catch (IOException)
            {
                // Clutter only; the save itself does not depend on it.
            }
        }
    }
}

using SpecTune.Models;
using static TorchSharp.torch;

namespace SpecTune.Weights;

/// <summary>
/// A head of one layer is written as torchvision writes its classifier (<c>fc.weight</c>, <c>fc.bias</c>), so a strict
/// <c>load_state_dict</c> into torchvision's model works; in the network the head is a Sequential (<c>fc.0.weight</c>).
/// Saving writes the file names; loading accepts both.
/// </summary>
internal static class HeadNames
{
    /// <summary>Network name to file name for the tensors of a one-layer head (every head tensor under one layer); empty otherwise.</summary>
    public static IReadOnlyDictionary<string, string> FileNames(nn.Module module, IEnumerable<string> names)
    {
        if (module is not FineTuneNetwork network) return new Dictionary<string, string>();
        var prefix = network.HeadSlot + ".";
        var head = names.Where(n => n.StartsWith(prefix, StringComparison.Ordinal)).ToList();
        var layers = head.Select(n => n[prefix.Length..].Split('.')[0]).Distinct(StringComparer.Ordinal).ToList();
        if (layers.Count != 1 || !int.TryParse(layers[0], out _) || head.Any(n => n.Length <= prefix.Length + layers[0].Length + 1))
            return new Dictionary<string, string>();
        return head.ToDictionary(n => n, n => prefix + n[(prefix.Length + layers[0].Length + 1)..], StringComparer.Ordinal);
    }

    /// <summary>The network's name for <paramref name="name"/> as a file may write it.</summary>
    public static string ModuleNameOf(nn.Module module, string name)
    {
        foreach (var (moduleName, fileName) in FileNames(module, WeightLoader.TensorsOf(module).Select(t => t.Name)))
            if (fileName == name) return moduleName;
        return name;
    }
}

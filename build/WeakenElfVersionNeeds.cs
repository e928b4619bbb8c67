// Compiled by MSBuild's RoslynCodeTaskFactory (see SpecTune.Native.targets).
//
// Why: TorchSharp's native bridge libLibTorchSharp.so asks libstdc++ for version GLIBCXX_3.4.32
// (GCC 13) only for std::ios_base_library_init(), a symbol no relocation uses. On a machine whose
// libstdc++ is older (Debian 12 ships GCC 12) the dynamic loader refuses the library. Marking that
// one version need weak (vna_flags |= VER_FLG_WEAK in .gnu.version_r) lets the loader accept it.
// The task patches only the copy in the build output, writes it atomically (temp file, rename, so a
// hard link into the NuGet cache is broken rather than written through), and does nothing where the
// machine's libstdc++ already defines the version.
using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;

public sealed class WeakenElfVersionNeeds : Microsoft.Build.Utilities.Task
{
    const uint ShtGnuVerneed = 0x6ffffffe;
    const ushort VerFlgWeak = 0x2;

    /// <summary>ELF shared objects to patch in place (build-output copies only).</summary>
    [Required] public ITaskItem[] Files { get; set; } = Array.Empty<ITaskItem>();

    /// <summary>Version names (e.g. GLIBCXX_3.4.32) whose need may be made weak.</summary>
    [Required] public string[] Versions { get; set; } = Array.Empty<string>();

    /// <summary>The system library that should provide the versions (e.g. libstdc++.so.6).</summary>
    [Required] public string ProviderLibrary { get; set; } = "";

    /// <summary>Folders searched for the provider library.</summary>
    public string[] SearchFolders { get; set; } = new[]
    {
        "/usr/lib/x86_64-linux-gnu", "/lib/x86_64-linux-gnu", "/usr/lib/aarch64-linux-gnu",
        "/usr/lib64", "/lib64", "/usr/lib", "/lib",
    };

    public override bool Execute()
    {
        var provider = SearchFolders.Select(f => Path.Combine(f, ProviderLibrary)).FirstOrDefault(File.Exists);
        if (provider == null)
        {
            Log.LogMessage(MessageImportance.Low, "SpecTune: {0} not found; no native patch applied.", ProviderLibrary);
            return true;
        }
        var providerBytes = File.ReadAllBytes(provider);
        var missing = Versions.Where(v => !ContainsCString(providerBytes, v)).ToArray();
        if (missing.Length == 0)
        {
            Log.LogMessage(MessageImportance.Low, "SpecTune: {0} defines {1}; no native patch needed.", provider, string.Join(", ", Versions));
            return true;
        }

        foreach (var item in Files)
        {
            var path = item.ItemSpec;
            if (!File.Exists(path)) continue;
            try
            {
                var bytes = File.ReadAllBytes(path);
                var patched = MarkWeak(bytes, missing);
                if (patched.Count == 0) continue;
                var temp = path + ".spectune-tmp";
                File.WriteAllBytes(temp, bytes);
                // Rename over the target: replaces a hard link instead of writing into its source.
                File.Replace(temp, path, null);
                Log.LogMessage(MessageImportance.Normal,
                    "SpecTune: marked version need(s) {0} weak in {1} ({2} lacks them).",
                    string.Join(", ", patched), path, provider);
            }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException || e is InvalidDataException)
            {
                Log.LogError("SpecTune: could not patch {0}: {1}", path, e.Message);
            }
        }
        return !Log.HasLoggedErrors;
    }

    static bool ContainsCString(byte[] haystack, string value)
    {
        var needle = Encoding.ASCII.GetBytes(value + "\0");
        for (int i = 0; i + needle.Length <= haystack.Length; i++)
        {
            // The version string is preceded by a NUL in the string table.
            if (haystack[i] != needle[0] || (i > 0 && haystack[i - 1] != 0)) continue;
            int j = 1;
            while (j < needle.Length && haystack[i + j] == needle[j]) j++;
            if (j == needle.Length) return true;
        }
        return false;
    }

    /// <summary>Sets VER_FLG_WEAK on each Vernaux entry naming one of <paramref name="versions"/>;
    /// returns the names it changed (already-weak entries are not reported).</summary>
    static List<string> MarkWeak(byte[] elf, string[] versions)
    {
        var changed = new List<string>();
        if (elf.Length < 64 || elf[0] != 0x7f || elf[1] != (byte)'E' || elf[2] != (byte)'L' || elf[3] != (byte)'F')
            throw new InvalidDataException("not an ELF file");
        if (elf[4] != 2 || elf[5] != 1)
            throw new InvalidDataException("only 64-bit little-endian ELF is supported");

        ulong shoff = BitConverter.ToUInt64(elf, 0x28);
        int shentsize = BitConverter.ToUInt16(elf, 0x3A);
        int shnum = BitConverter.ToUInt16(elf, 0x3C);
        if (shoff == 0 || shentsize < 64 || shoff + (ulong)(shentsize * shnum) > (ulong)elf.Length)
            throw new InvalidDataException("section header table out of range");

        for (int s = 0; s < shnum; s++)
        {
            int sh = checked((int)shoff + s * shentsize);
            if (BitConverter.ToUInt32(elf, sh + 4) != ShtGnuVerneed) continue;
            int offset = checked((int)BitConverter.ToUInt64(elf, sh + 0x18));
            int link = (int)BitConverter.ToUInt32(elf, sh + 0x28);
            int count = (int)BitConverter.ToUInt32(elf, sh + 0x2C);
            int strtab = checked((int)shoff + link * shentsize);
            int strOffset = checked((int)BitConverter.ToUInt64(elf, strtab + 0x18));

            int vn = offset;
            for (int n = 0; n < count; n++)
            {
                int auxCount = BitConverter.ToUInt16(elf, vn + 2);
                int aux = vn + (int)BitConverter.ToUInt32(elf, vn + 8);
                for (int a = 0; a < auxCount; a++)
                {
                    ushort flags = BitConverter.ToUInt16(elf, aux + 4);
                    string name = ReadCString(elf, strOffset + (int)BitConverter.ToUInt32(elf, aux + 8));
                    if (Array.IndexOf(versions, name) >= 0 && (flags & VerFlgWeak) == 0)
                    {
                        var patched = BitConverter.GetBytes((ushort)(flags | VerFlgWeak));
                        elf[aux + 4] = patched[0];
                        elf[aux + 5] = patched[1];
                        changed.Add(name);
                    }
                    uint next = BitConverter.ToUInt32(elf, aux + 12);
                    if (next == 0) break;
                    aux += (int)next;
                }
                uint vnNext = BitConverter.ToUInt32(elf, vn + 12);
                if (vnNext == 0) break;
                vn += (int)vnNext;
            }
        }
        return changed;
    }

    static string ReadCString(byte[] bytes, int start)
    {
        int end = start;
        while (end < bytes.Length && bytes[end] != 0) end++;
        return Encoding.ASCII.GetString(bytes, start, end - start);
    }
}

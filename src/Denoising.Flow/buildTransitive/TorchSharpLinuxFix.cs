#nullable enable
// Build-time fix that lets TorchSharp 0.107 load on Linux distributions whose libstdc++ predates GCC 13
// (Debian 12, Ubuntu 22.04). libLibTorchSharp.so asks for GLIBCXX_3.4.32 for exactly one symbol,
// std::ios_base_library_init(), which GCC 13's <iostream> only references (no relocation uses it).
// Marking that one version requirement weak (VER_FLG_WEAK in its Vernaux record) lets glibc's loader
// accept an older libstdc++. Nothing else in the file changes (2 bytes).
//
// This file is compiled twice: by MSBuild as an inline task (RoslynCodeTaskFactory), and into the
// unit tests with DENOISING_FLOW_PATCHER_NO_TASK defined, which leaves out the MSBuild task class.
using System;
using System.Collections.Generic;
using System.IO;
using System.Text;

namespace Denoising.Flow.Build
{
    /// <summary>Outcome of <see cref="ElfVersionPatcher.MarkVersionWeak(byte[], string, string, out long)"/>.</summary>
    public enum ElfPatchOutcome
    {
        /// <summary>The requirement was strong and is now weak.</summary>
        Patched,
        /// <summary>The requirement was already weak: nothing to do.</summary>
        AlreadyWeak,
        /// <summary>The file does not require that version from that library.</summary>
        NotReferenced,
    }

    /// <summary>Minimal ELF64 little-endian reader/writer for the GNU version-needs section.</summary>
    public static class ElfVersionPatcher
    {
        /// <summary>VER_FLG_WEAK from elf.h.</summary>
        public const ushort VerFlagWeak = 0x2;

        /// <summary>SHT_GNU_verneed from elf.h.</summary>
        public const uint SectionTypeGnuVerneed = 0x6ffffffe;

        /// <summary>Marks the requirement of <paramref name="version"/> from <paramref name="library"/> weak, in memory.</summary>
        /// <param name="elf">The whole file.</param>
        /// <param name="library">The needed library, e.g. libstdc++.so.6.</param>
        /// <param name="version">The version name, e.g. GLIBCXX_3.4.32.</param>
        /// <param name="flagsOffset">File offset of the vna_flags field that was (or would be) changed; -1 when not referenced.</param>
        public static ElfPatchOutcome MarkVersionWeak(byte[] elf, string library, string version, out long flagsOffset)
        {
            flagsOffset = -1;
            if (elf.Length < 0x40 || elf[0] != 0x7f || elf[1] != (byte)'E' || elf[2] != (byte)'L' || elf[3] != (byte)'F')
                throw new InvalidDataException("Not an ELF file (bad magic).");
            if (elf[4] != 2 || elf[5] != 1)
                throw new InvalidDataException("Only 64-bit little-endian ELF files are supported.");

            ulong shoff = U64(elf, 0x28);
            int shentsize = U16(elf, 0x3a);
            int shnum = U16(elf, 0x3c);
            for (int i = 0; i < shnum; i++)
            {
                long sh = Checked(elf, (long)shoff + (long)i * shentsize, 0x40);
                if (U32(elf, sh + 4) != SectionTypeGnuVerneed) continue;

                long verneed = (long)U64(elf, sh + 0x18);
                uint link = U32(elf, sh + 0x28);
                uint count = U32(elf, sh + 0x2c);
                long strtabHeader = Checked(elf, (long)shoff + (long)link * shentsize, 0x40);
                long strtab = (long)U64(elf, strtabHeader + 0x18);

                long vn = verneed;
                for (uint n = 0; n < count; n++)
                {
                    Checked(elf, vn, 16);
                    int auxCount = U16(elf, vn + 2);
                    string file = CString(elf, strtab + U32(elf, vn + 4));
                    if (file == library)
                    {
                        long aux = vn + U32(elf, vn + 8);
                        for (int j = 0; j < auxCount; j++)
                        {
                            Checked(elf, aux, 16);
                            string name = CString(elf, strtab + U32(elf, aux + 8));
                            if (name == version)
                            {
                                flagsOffset = aux + 4;
                                ushort flags = (ushort)U16(elf, flagsOffset);
                                if ((flags & VerFlagWeak) != 0) return ElfPatchOutcome.AlreadyWeak;
                                flags |= VerFlagWeak;
                                elf[flagsOffset] = (byte)(flags & 0xff);
                                elf[flagsOffset + 1] = (byte)(flags >> 8);
                                return ElfPatchOutcome.Patched;
                            }
                            uint nextAux = U32(elf, aux + 12);
                            if (nextAux == 0) break;
                            aux += nextAux;
                        }
                    }
                    uint next = U32(elf, vn + 12);
                    if (next == 0) break;
                    vn += next;
                }
            }
            return ElfPatchOutcome.NotReferenced;
        }

        /// <summary>Patches a file in place, writing only the two changed bytes.</summary>
        public static ElfPatchOutcome MarkVersionWeak(string path, string library, string version)
        {
            byte[] bytes = File.ReadAllBytes(path);
            ElfPatchOutcome outcome = MarkVersionWeak(bytes, library, version, out long offset);
            if (outcome == ElfPatchOutcome.Patched)
            {
                using (var stream = new FileStream(path, FileMode.Open, FileAccess.Write, FileShare.Read))
                {
                    stream.Seek(offset, SeekOrigin.Begin);
                    stream.Write(bytes, (int)offset, 2);
                }
            }
            return outcome;
        }

        /// <summary>True when a libstdc++.so.6 is found on this host and none of the found copies defines <paramref name="version"/>.</summary>
        public static bool HostLibStdCxxLacks(string version, IEnumerable<string>? candidates = null)
        {
            byte[] needle = Encoding.ASCII.GetBytes(version + "\0");
            bool found = false;
            foreach (string path in candidates ?? DefaultLibStdCxxLocations())
            {
                if (!File.Exists(path)) continue;
                found = true;
                if (IndexOf(File.ReadAllBytes(path), needle) >= 0) return false;
            }
            return found;
        }

        /// <summary>Where glibc-based distributions keep libstdc++.so.6.</summary>
        public static IEnumerable<string> DefaultLibStdCxxLocations()
        {
            yield return "/lib/x86_64-linux-gnu/libstdc++.so.6";
            yield return "/usr/lib/x86_64-linux-gnu/libstdc++.so.6";
            yield return "/usr/lib64/libstdc++.so.6";
            yield return "/lib64/libstdc++.so.6";
            yield return "/usr/lib/libstdc++.so.6";
        }

        private static int IndexOf(byte[] haystack, byte[] needle)
        {
            for (int i = 0; i + needle.Length <= haystack.Length; i++)
            {
                if (haystack[i] != needle[0]) continue;
                int k = 1;
                while (k < needle.Length && haystack[i + k] == needle[k]) k++;
                if (k == needle.Length) return i;
            }
            return -1;
        }

        private static long Checked(byte[] b, long offset, int length)
        {
            if (offset < 0 || offset + length > b.Length)
                throw new InvalidDataException("ELF structure points outside the file (offset " + offset + ").");
            return offset;
        }

        private static int U16(byte[] b, long o) { Checked(b, o, 2); return b[o] | (b[o + 1] << 8); }

        private static uint U32(byte[] b, long o) { Checked(b, o, 4); return (uint)(b[o] | (b[o + 1] << 8) | (b[o + 2] << 16) | (b[o + 3] << 24)); }

        private static ulong U64(byte[] b, long o) => U32(b, o) | ((ulong)U32(b, o + 4) << 32);

        private static string CString(byte[] b, long o)
        {
            Checked(b, o, 1);
            long end = o;
            while (end < b.Length && b[end] != 0) end++;
            return Encoding.ASCII.GetString(b, (int)o, (int)(end - o));
        }
    }

#if !DENOISING_FLOW_PATCHER_NO_TASK
    /// <summary>MSBuild task: makes the copies of libLibTorchSharp.so in the given folders loadable on this host.</summary>
    public class PatchLibTorchSharp : Microsoft.Build.Utilities.Task
    {
        private const string Library = "libstdc++.so.6";
        private const string Version = "GLIBCXX_3.4.32";

        /// <summary>Output folders (OutDir, PublishDir).</summary>
        [Microsoft.Build.Framework.Required]
        public string[] Directories { get; set; } = Array.Empty<string>();

        /// <summary>"true": patch even when this host's libstdc++ has the version (for output that ships to other hosts, such as a .NET tool package).</summary>
        public string Force { get; set; } = "";

        /// <inheritdoc />
        public override bool Execute()
        {
            var files = new List<string>();
            foreach (string dir in Directories)
            {
                foreach (string rel in new[] { "runtimes/linux-x64/native/libLibTorchSharp.so", "cpu/libLibTorchSharp.so", "cuda/libLibTorchSharp.so", "libLibTorchSharp.so" })
                {
                    string path = Path.Combine(dir, rel);
                    if (File.Exists(path)) files.Add(path);
                }
            }
            bool force = string.Equals(Force, "true", StringComparison.OrdinalIgnoreCase);
            bool hostLacks = files.Count > 0 && ElfVersionPatcher.HostLibStdCxxLacks(Version);
            if (files.Count == 0 || (!force && !hostLacks)) return true;
            string why = hostLacks ? "this host's libstdc++ lacks " + Version : "asked to (DenoisingFlowForceTorchSharpPatch) for hosts whose libstdc++ lacks " + Version;

            foreach (string path in files)
            {
                try
                {
                    if (ElfVersionPatcher.MarkVersionWeak(path, Library, Version) == ElfPatchOutcome.Patched)
                        Log.LogMessage(Microsoft.Build.Framework.MessageImportance.High,
                            "Denoising.Flow: " + why + "; marked that requirement weak in " + Path.GetFullPath(path) + " so TorchSharp can load (see the README, 'TorchSharp on older Linux').");
                }
                catch (Exception e)
                {
                    Log.LogWarning("Denoising.Flow: could not patch " + path + ": " + e.Message);
                }
            }
            return true;
        }
    }
#endif
}

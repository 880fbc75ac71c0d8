using System.Text;
using Denoising.Flow.Build;
using FluentAssertions;
using Xunit;

namespace Denoising.Flow.Tests.Build;

/// <summary>The build-time fix for TorchSharp on Debian 12 / Ubuntu 22.04, tested on copies of the real library.</summary>
public sealed class ElfVersionPatcherTests : IDisposable
{
    private const string Library = "libstdc++.so.6";
    private const string Version = "GLIBCXX_3.4.32";
    private static readonly string Original = Path.Combine(AppContext.BaseDirectory, "TestData", "libLibTorchSharp.original.so");
    private readonly string folder = Directory.CreateTempSubdirectory("elfpatch").FullName;

    public void Dispose() => Directory.Delete(folder, recursive: true);

    [Fact]
    public void MarkVersionWeak_OnOriginalLibrary_ChangesExactlyTheWeakFlagOfThatVersion()
    {
        var before = File.ReadAllBytes(Original);
        var copy = Path.Combine(folder, "lib.so");
        File.Copy(Original, copy);

        ElfVersionPatcher.MarkVersionWeak(copy, Library, Version).Should().Be(ElfPatchOutcome.Patched);

        var after = File.ReadAllBytes(copy);
        after.Length.Should().Be(before.Length);
        var changed = Enumerable.Range(0, before.Length).Where(i => before[i] != after[i]).ToList();
        changed.Should().HaveCount(1, "only the vna_flags field of one Vernaux record may change");
        ElfVersionPatcher.MarkVersionWeak((byte[])before.Clone(), Library, Version, out long flagsOffset);
        changed[0].Should().Be((int)flagsOffset, "the low byte of vna_flags holds VER_FLG_WEAK");
        (after[flagsOffset] ^ before[flagsOffset]).Should().Be(ElfVersionPatcher.VerFlagWeak);
    }

    [Fact]
    public void MarkVersionWeak_Twice_IsIdempotent()
    {
        var copy = Path.Combine(folder, "lib.so");
        File.Copy(Original, copy);
        ElfVersionPatcher.MarkVersionWeak(copy, Library, Version).Should().Be(ElfPatchOutcome.Patched);
        var once = File.ReadAllBytes(copy);
        ElfVersionPatcher.MarkVersionWeak(copy, Library, Version).Should().Be(ElfPatchOutcome.AlreadyWeak);
        File.ReadAllBytes(copy).Should().Equal(once);
    }

    [Fact]
    public void MarkVersionWeak_ForOtherVersionOrLibrary_ChangesNothing()
    {
        var bytes = File.ReadAllBytes(Original);
        var copy = (byte[])bytes.Clone();
        ElfVersionPatcher.MarkVersionWeak(copy, Library, "GLIBCXX_9.9.99", out _).Should().Be(ElfPatchOutcome.NotReferenced);
        ElfVersionPatcher.MarkVersionWeak(copy, "libnothere.so.1", Version, out _).Should().Be(ElfPatchOutcome.NotReferenced);
        copy.Should().Equal(bytes);
    }

    [Fact]
    public void MarkVersionWeak_OnNonElf_ThrowsInvalidData()
    {
        var act = () => ElfVersionPatcher.MarkVersionWeak(Encoding.ASCII.GetBytes("#!/bin/sh\necho not an elf file at all, just text........................"), Library, Version, out _);
        act.Should().Throw<InvalidDataException>().WithMessage("*ELF*");
    }

    [Fact]
    public void MarkVersionWeak_OnTruncatedElf_ThrowsInvalidData()
    {
        var bytes = File.ReadAllBytes(Original).Take(4096).ToArray();
        var act = () => ElfVersionPatcher.MarkVersionWeak(bytes, Library, Version, out _);
        act.Should().Throw<InvalidDataException>();
    }

    [Fact]
    public void HostLibStdCxxLacks_ReadsTheVersionStrings()
    {
        var old = Path.Combine(folder, "old.so");
        var recent = Path.Combine(folder, "new.so");
        File.WriteAllBytes(old, Encoding.ASCII.GetBytes("\0GLIBCXX_3.4.30\0GLIBCXX_3.4.31X\0"));
        File.WriteAllBytes(recent, Encoding.ASCII.GetBytes("\0GLIBCXX_3.4.30\0GLIBCXX_3.4.32\0"));
        ElfVersionPatcher.HostLibStdCxxLacks(Version, new[] { old }).Should().BeTrue();
        ElfVersionPatcher.HostLibStdCxxLacks(Version, new[] { recent }).Should().BeFalse();
        ElfVersionPatcher.HostLibStdCxxLacks(Version, new[] { Path.Combine(folder, "missing.so") }).Should().BeFalse("no libstdc++ found: nothing to decide, leave the library alone");
    }
}

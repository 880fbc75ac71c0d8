using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using Denoising.Flow.Imaging;

namespace Denoising.Flow.Cli.Batch;

/// <summary>Files, folders and globs to one list of images sorted by key (ordinal), the same on every machine that sees the same files.</summary>
internal static class InputList
{
    /// <summary>Resolves the arguments of <c>dnflow denoise</c>; files under <paramref name="exclude"/> (the output folder) are left out.</summary>
    /// <exception cref="ArgumentException">An argument matches nothing, or two inputs share a key.</exception>
    public static IReadOnlyList<InputItem> Resolve(IEnumerable<string> arguments, bool recursive, string? exclude = null)
    {
        string? excluded = exclude is null ? null : Path.TrimEndingDirectorySeparator(Path.GetFullPath(exclude)) + Path.DirectorySeparatorChar;
        var items = new List<InputItem>();
        foreach (string argument in arguments)
        {
            int before = items.Count;
            if (Directory.Exists(argument))
            {
                string root = Path.GetFullPath(argument);
                var option = recursive ? SearchOption.AllDirectories : SearchOption.TopDirectoryOnly;
                items.AddRange(Directory.EnumerateFiles(root, "*", option)
                    .Where(IsImage)
                    .Where(f => !IsHidden(Path.GetRelativePath(root, f)))
                    .Select(f => new InputItem(f, ToKey(Path.GetRelativePath(root, f)))));
            }
            else if (File.Exists(argument))
            {
                string full = Path.GetFullPath(argument);
                items.Add(new InputItem(full, Path.GetFileName(full)));
            }
            else if (argument.IndexOfAny(['*', '?']) >= 0)
            {
                items.AddRange(Glob(argument, recursive));
            }
            else
            {
                throw new ArgumentException($"Input '{argument}' is not a file, a folder or a glob that exists.");
            }

            if (items.Count == before)
            {
                throw new ArgumentException($"Input '{argument}' holds no images (looked for {string.Join(", ", ImageIO.ImageExtensions)}).");
            }
        }

        var unique = items.Where(i => excluded is null || !i.Path.StartsWith(excluded, StringComparison.Ordinal))
            .DistinctBy(i => i.Path, StringComparer.Ordinal).OrderBy(i => i.Key, StringComparer.Ordinal).ToArray();
        var clash = unique.GroupBy(i => i.Key, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
        if (clash is not null)
        {
            throw new ArgumentException($"Two inputs would write the same output '{clash.Key}': {string.Join(" and ", clash.Select(i => i.Path))}. Denoise them in separate runs or to separate folders.");
        }

        return unique;
    }

    /// <summary>SHA-256 of the keys, one per line: shards of one list carry the same value.</summary>
    public static string Fingerprint(IEnumerable<string> keys)
    {
        var text = string.Join('\n', keys.OrderBy(k => k, StringComparer.Ordinal));
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));
    }

    private static bool IsImage(string file) => ImageIO.ImageExtensions.Contains(Path.GetExtension(file), StringComparer.OrdinalIgnoreCase);

    /// <summary>Dot files and folders are skipped (temporaries, manifests).</summary>
    private static bool IsHidden(string relative) => relative.Split(Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar).Any(p => p.StartsWith('.'));

    private static string ToKey(string relative) => relative.Replace(Path.DirectorySeparatorChar, '/');

    /// <summary>'*' and '?' within a path segment, '**' for any folders; the root is the folder before the first wildcard.</summary>
    private static IEnumerable<InputItem> Glob(string pattern, bool recursive)
    {
        string normalized = pattern.Replace('\\', '/');
        int wildcard = normalized.IndexOfAny(['*', '?']);
        int slash = normalized.LastIndexOf('/', wildcard);
        string root = Path.GetFullPath(slash < 0 ? "." : (slash == 0 ? "/" : normalized[..slash]));
        string rest = normalized[(slash + 1)..];
        if (!Directory.Exists(root))
        {
            return [];
        }

        var regex = new Regex("^" + string.Concat(rest.Split("**/").Select(Segment).Select((s, i) => i == 0 ? s : "(?:.*/)?" + s)) + "$",
            RegexOptions.CultureInvariant);
        var option = recursive || rest.Contains('/', StringComparison.Ordinal) ? SearchOption.AllDirectories : SearchOption.TopDirectoryOnly;
        return Directory.EnumerateFiles(root, "*", option)
            .Select(f => (File: f, Key: ToKey(Path.GetRelativePath(root, f))))
            .Where(f => IsImage(f.File) && !IsHidden(f.Key) && regex.IsMatch(f.Key))
            .Select(f => new InputItem(f.File, f.Key))
            .ToArray();

        static string Segment(string part) => Regex.Escape(part).Replace(@"\*\*", ".*").Replace(@"\*", "[^/]*").Replace(@"\?", "[^/]");
    }
}

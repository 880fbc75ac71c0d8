namespace Denoising.Flow.Cli.Batch;

/// <summary>An input file and its key: its path relative to the folder or glob root it was found under ('/' separated).</summary>
/// <param name="Path">Full path of the input.</param>
/// <param name="Key">Relative name; the output keeps it (with the output format's extension).</param>
internal sealed record InputItem(string Path, string Key);

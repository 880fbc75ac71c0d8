using System.Runtime.CompilerServices;

[assembly: InternalsVisibleTo("Denoising.Flow.Tests")]

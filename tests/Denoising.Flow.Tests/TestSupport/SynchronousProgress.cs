namespace Denoising.Flow.Tests.TestSupport;

/// <summary>An <see cref="IProgress{T}"/> that runs its handler on the reporting thread (unlike Progress&lt;T&gt;).</summary>
public sealed class SynchronousProgress<T>(Action<T> handler) : IProgress<T>
{
    public void Report(T value) => handler(value);
}

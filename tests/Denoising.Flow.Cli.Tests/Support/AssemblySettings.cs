using Xunit;

// TorchSharp's thread count and dispose scopes are process-wide or per-thread: run tests one at a time.
[assembly: CollectionBehavior(DisableTestParallelization = true)]

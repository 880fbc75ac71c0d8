using System.Diagnostics;
using Denoising.Flow.Flows;
using Denoising.Flow.Noise;
using TorchSharp;
using static TorchSharp.torch;

namespace Denoising.Flow.Performance;

/// <summary>One timed side of a case: per-step (or per-call) milliseconds, minor faults per step, peak memory.</summary>
internal sealed record Sample(double Ms, double FaultsPerStep, double PeakMiB, double[] PhasesMs);

/// <summary>The timed work. Each method runs one side once and returns its median over blocks of steps.</summary>
internal sealed class Cases(string modelsFolder, int stepsPerRound, bool safePadding)
{
    public const int PriorBatch = 32, PriorPatch = 32, DenoiserBatch = 16, DenoiserPatch = 40, Block = 10;
    public const int Tile = 256;

    private string PriorPath => Path.Combine(modelsFolder, "prior-gray.dnflow");

    private string DenoiserPath => Path.Combine(modelsFolder, "denoiser-gray.dnflow");

    // ---------------------------------------------------------------- FLOP counts (2 x multiply-adds of the convolutions)

    /// <summary>Forward FLOPs of the gray Glow L3 K8 width 64 on one image of side <paramref name="side"/> (real channels, no padding).</summary>
    public static double GlowForwardFlops(int side, int levels = 3, int steps = 8, int hidden = 64)
    {
        double macs = 0;
        long channels = 1;
        for (int l = 0; l < levels; l++)
        {
            long c = 4 * channels;
            double pixels = Math.Pow(side / Math.Pow(2, l + 1), 2);
            double perStep = (c * c) + (9.0 * (c / 2) * hidden) + (hidden * hidden) + (9.0 * hidden * c);
            macs += pixels * steps * perStep;
            if (l < levels - 1) macs += pixels * 9.0 * (c / 2) * c;
            channels = c / 2;
        }
        return 2 * macs;
    }

    /// <summary>Forward FLOPs per pixel of the 10x32 denoiser with a noise-map input (gray): 2 x 185,184.</summary>
    public static double DenoiserFlopsPerPixel(int blocks = 10, int width = 32, int channels = 1) =>
        2.0 * ((9.0 * (channels + 1) * width) + (2 * blocks * 9.0 * width * width) + (9.0 * width * channels));

    /// <summary>Prior step: forward + backward (about 3 x forward) on the batch.</summary>
    public static double PriorStepFlops => 3 * PriorBatch * GlowForwardFlops(PriorPatch);

    /// <summary>Denoiser step: network forward + backward (3x), the frozen prior forward + input gradient (2x).</summary>
    public static double DenoiserStepFlops =>
        DenoiserBatch * ((3 * DenoiserFlopsPerPixel() * DenoiserPatch * DenoiserPatch) + (2 * GlowForwardFlops(DenoiserPatch)));

    // ---------------------------------------------------------------- roofline

    /// <summary>Measured GFLOP/s of one 3x3 convolution 32 -> 32 on a 256x256 image (the denoiser's layer), forward, no grad.</summary>
    public static double ConvRoofline()
    {
        using var scope = NewDisposeScope();
        using var mode = inference_mode();
        var x = randn(1, 32, 256, 256);
        var w = randn(32, 32, 3, 3) * 0.05;
        var b = zeros(32);
        for (int i = 0; i < 3; i++) nn.functional.conv2d(x, w, b, padding: new long[] { 1, 1 }).Dispose();
        var times = new List<double>();
        for (int r = 0; r < 15; r++)
        {
            var clock = Stopwatch.StartNew();
            nn.functional.conv2d(x, w, b, padding: new long[] { 1, 1 }).Dispose();
            times.Add(clock.Elapsed.TotalSeconds);
        }
        return 2.0 * 9 * 32 * 32 * 256 * 256 / Measure.Median(times) / 1e9;
    }

    // ---------------------------------------------------------------- prior step

    public Sample LibraryPrior()
    {
        var images = RandomImages(24, 64, seed: 1);
        var probe = new BlockProbe();
        Measure.ResetPeak();
        using (new FlowPriorBuilder()
                   .WithCleanImages(images)
                   .WithArchitecture(new GlowOptions())
                   .WithPatchSize(PriorPatch).WithBatchSize(PriorBatch).WithSteps(Block * (2 + (stepsPerRound / Block))).WithSeed(1)
                   .Train(probe))
        {
        }
        foreach (var image in images) image.Dispose();
        return probe.Result(Measure.PeakMiB());
    }

    public Sample PlainPrior() => PlainPriorCore(useLibraryLayers: false);

    /// <summary>The plain loop, optionally through the library's GlowModel (probe: where does the time go).</summary>
    public Sample PlainPriorCore(bool useLibraryLayers)
    {
        manual_seed(1);
        using var model = new GlowModel(new GlowOptions());
        using var plain = new PlainGlow(model.state_dict(), 3, 8, trainable: true, safePadding);
        var parameters = useLibraryLayers ? model.parameters().ToList() : plain.Parameters;
        if (useLibraryLayers) model.train();
        using var optimizer = optim.Adam(parameters, lr: 1e-3);
        double dims = PriorPatch * PriorPatch;
        var generator = new Generator(7);
        return TimeSteps(() =>
        {
            var marks = new double[4];
            var clock = Stopwatch.StartNew();
            var images = rand(new long[] { PriorBatch, 1, PriorPatch, PriorPatch }, generator: generator);
            var x = ((images * 255).round().clamp(0, 255) + rand(images.shape, generator: generator)) / 256;
            optimizer.zero_grad();
            marks[0] = clock.Elapsed.TotalMilliseconds;
            var logLikelihood = useLibraryLayers ? model.LogLikelihood(x) : plain.LogLikelihood(x);
            var bpd = ((-logLikelihood / dims) + Math.Log(256)).div(Math.Log(2)).mean();
            marks[1] = clock.Elapsed.TotalMilliseconds;
            bpd.backward();
            marks[2] = clock.Elapsed.TotalMilliseconds;
            nn.utils.clip_grad_norm_(parameters, 50);
            optimizer.step();
            bpd.ToDouble();
            marks[3] = clock.Elapsed.TotalMilliseconds;
            return marks;
        });
    }

    // ---------------------------------------------------------------- denoiser step

    public Sample LibraryDenoiser()
    {
        using var prior = FlowPrior.Load(PriorPath);
        var images = RandomImages(24, 80, seed: 2);
        var probe = new BlockProbe();
        Measure.ResetPeak();
        using (new DenoiserTrainer(prior)
                   .WithNoisyImages(images)
                   .WithSyntheticNoise(GaussianNoise.Range(0, 55))
                   .WithNetwork(new DenoiserNetworkOptions { ResidualBlocks = 10, Width = 32, NoiseLevelInput = true })
                   .WithPatchSize(DenoiserPatch).WithBatchSize(DenoiserBatch).WithSteps(Block * (2 + (stepsPerRound / Block))).WithSeed(1)
                   .Train(probe))
        {
        }
        foreach (var image in images) image.Dispose();
        return probe.Result(Measure.PeakMiB());
    }

    public Sample PlainDenoiserStep()
    {
        using var prior = FlowPrior.Load(PriorPath);
        using var glow = new PlainGlow(prior.Model.state_dict(), 3, 8, trainable: false, safePadding);
        manual_seed(1);
        using var network = new Denoisers.DenoiserNetwork(new DenoiserNetworkOptions { ResidualBlocks = 10, Width = 32, NoiseLevelInput = true });
        using var plain = new PlainDenoiser(network.state_dict(), 10, trainable: true, safePadding);
        using var optimizer = optim.Adam(plain.Parameters, lr: 1e-3);
        var generator = new Generator(11);
        double dims = DenoiserPatch * DenoiserPatch;
        return TimeSteps(() =>
        {
            var marks = new double[4];
            var clock = Stopwatch.StartNew();
            var sigmas = rand(new long[] { DenoiserBatch }, generator: generator) * (55.0 / 255);
            var noisy = rand(new long[] { DenoiserBatch, 1, DenoiserPatch, DenoiserPatch }, generator: generator)
                + (randn(new long[] { DenoiserBatch, 1, DenoiserPatch, DenoiserPatch }, generator: generator) * sigmas.view(-1, 1, 1, 1));
            var lambdas = sigmas.square() * 0.5;
            optimizer.zero_grad();
            marks[0] = clock.Elapsed.TotalMilliseconds;
            var output = plain.Forward(noisy, sigmas);
            var data = (output - noisy).square().mean(new long[] { 1, 2, 3 });
            var priorTerm = -glow.LogLikelihood(output.clamp(0, 1)) / dims;
            var loss = (data + (lambdas * priorTerm)).mean();
            marks[1] = clock.Elapsed.TotalMilliseconds;
            loss.backward();
            marks[2] = clock.Elapsed.TotalMilliseconds;
            nn.utils.clip_grad_norm_(plain.Parameters, 1.0);
            optimizer.step();
            loss.ToDouble();
            marks[3] = clock.Elapsed.TotalMilliseconds;
            return marks;
        });
    }

    // ---------------------------------------------------------------- inference

    /// <summary>The library's Denoise of a gray image (given noise level, so both sides run the same layers), per call.</summary>
    /// <summary>The library's Denoise (gray model; <paramref name="channels"/> 3: a color image, run as 3 planes), per call.</summary>
    public Sample LibraryInference(long height, long width, int reps, int channels = 1)
    {
        using var denoiser = Denoiser.Load(DenoiserPath);
        var options = new DenoiseOptions { NoiseLevel = 25, TileSize = Tile, ClipOutput = false };
        return TimeCalls(height, width, reps, image => denoiser.Denoise(image, options), channels);
    }

    /// <summary>The plain tiling; a color image goes through as one batch of its planes (no grouping).</summary>
    public Sample PlainInference(long height, long width, int reps, int channels = 1)
    {
        using var denoiser = Denoiser.Load(DenoiserPath);
        using var plain = new PlainDenoiser(denoiser.NetworkModule.state_dict(), denoiser.Network.ResidualBlocks, trainable: false, safePadding);
        return TimeCalls(height, width, reps, image =>
        {
            using var mode = inference_mode();
            var batch = image.unsqueeze(1);
            return plain.Tiled(batch, full(batch.shape[0], 25.0 / 255, dtype: batch.dtype), Tile).squeeze(1);
        }, channels);
    }

    /// <summary>
    /// The Wiener refinement alone (<c>DenoiseOptions.WienerRefinement</c>): collaborative Wiener filtering of the image with a
    /// pilot at noise level 25, on one channel or three (a color image in the opponent space).
    /// </summary>
    public static Sample WienerRefinement(long height, long width, int reps, int channels = 1) =>
        TimeCalls(height, width, reps, image =>
        {
            var batch = image.unsqueeze(0);
            var pilot = nn.functional.avg_pool2d(nn.functional.pad(batch, new long[] { 1, 1, 1, 1 }, PaddingModes.Reflect), 3, 1);
            return Denoising.Flow.Denoisers.CollaborativeWiener.Filter(batch, pilot, full(1, batch.shape[1], 25.0 / 255)).squeeze(0);
        }, channels);

    /// <summary>
    /// The refinement with the hard-thresholding pilot (<c>DenoiseOptions.HardThresholdingPilot</c>): BM3D's first stage on the
    /// noisy image, then the Wiener stage grouped on its estimate with it and a pilot as the two pilots, gray, noise level 25.
    /// </summary>
    public static Sample HardThresholdingPilot(long side, int reps) =>
        TimeCalls(side, side, reps, image =>
        {
            var batch = image.unsqueeze(0);
            var levels = full(1, 1, 25.0 / 255);
            var pilot = nn.functional.avg_pool2d(nn.functional.pad(batch, new long[] { 1, 1, 1, 1 }, PaddingModes.Reflect), 3, 1);
            var estimate = Denoising.Flow.Denoisers.CollaborativeHardThreshold.Filter(batch, levels);
            return Denoising.Flow.Denoisers.CollaborativeWiener.Filter(batch, new[] { pilot, estimate }, estimate, levels).squeeze(0);
        });

    /// <summary>Largest |library - plain| on a small image: both sides compute the same function.</summary>
    public double InferenceAgreement()
    {
        using var scope = NewDisposeScope();
        using var denoiser = Denoiser.Load(DenoiserPath);
        using var plain = new PlainDenoiser(denoiser.NetworkModule.state_dict(), denoiser.Network.ResidualBlocks, trainable: false, safePadding);
        var image = rand(new long[] { 1, 300, 280 }, generator: new Generator(5));
        var library = denoiser.Denoise(image, new DenoiseOptions { NoiseLevel = 25, TileSize = Tile, ClipOutput = false });
        using var mode = inference_mode();
        var mine = plain.Tiled(image.unsqueeze(0), full(1, 25.0 / 255), Tile).squeeze(0);
        return (library - mine).abs().max().ToDouble();
    }

    // ---------------------------------------------------------------- noise-level estimation

    public static Sample LibraryNoiseEstimate(long height, long width) =>
        TimeCalls(height, width, 1, image =>
        {
            NoiseLevelEstimator.Estimate(image);
            return zeros(1);
        });

    /// <summary>The estimator as it was: float64 copy of the image and a full sort.</summary>
    public static Sample FullSortNoiseEstimate(long height, long width) =>
        TimeCalls(height, width, 1, image =>
        {
            using var scope = NewDisposeScope();
            long h = image.shape[1] / 2 * 2, w = image.shape[2] / 2 * 2;
            var x = image.unsqueeze(0).to(ScalarType.Float64);
            var a = x[.., .., TensorIndex.Slice(0, h, 2), TensorIndex.Slice(0, w, 2)];
            var b = x[.., .., TensorIndex.Slice(0, h, 2), TensorIndex.Slice(1, w, 2)];
            var c = x[.., .., TensorIndex.Slice(1, h, 2), TensorIndex.Slice(0, w, 2)];
            var d = x[.., .., TensorIndex.Slice(1, h, 2), TensorIndex.Slice(1, w, 2)];
            var sorted = (a - b - c + d).div(2.0).abs().reshape(1, -1).sort(dim: 1).Values;
            sorted[.., sorted.shape[1] / 2].ToDouble();
            return zeros(1).MoveToOuterDisposeScope();
        });

    // ---------------------------------------------------------------- helpers

    private static Tensor[] RandomImages(int count, int side, int seed)
    {
        var generator = new Generator((ulong)seed);
        return Enumerable.Range(0, count).Select(_ =>
        {
            var t = rand(new long[] { 1, side, side }, generator: generator);
            t.DetachFromDisposeScope();
            return t;
        }).ToArray();
    }

    /// <summary>2 warm-up blocks, then blocks of <see cref="Block"/> steps; median of the block means.</summary>
    private Sample TimeSteps(Func<double[]> step)
    {
        int blocks = Math.Max(1, stepsPerRound / Block);
        var means = new List<double>();
        var phases = new List<double[]>();
        long faults = 0;
        Measure.ResetPeak();
        for (int b = 0; b < 2 + blocks; b++)
        {
            long faults0 = Measure.MinorFaults();
            var clock = Stopwatch.StartNew();
            for (int s = 0; s < Block; s++)
            {
                using var scope = NewDisposeScope();
                var marks = step();
                if (b >= 2) phases.Add(new[] { marks[0], marks[1] - marks[0], marks[2] - marks[1], marks[3] - marks[2] });
            }
            if (b >= 2)
            {
                means.Add(clock.Elapsed.TotalMilliseconds / Block);
                faults += Measure.MinorFaults() - faults0;
            }
        }
        var phaseMedians = Enumerable.Range(0, 4).Select(i => Measure.Median(phases.Select(p => p[i]))).ToArray();
        return new Sample(Measure.Median(means), faults / (double)(blocks * Block), Measure.PeakMiB(), phaseMedians);
    }

    private static Sample TimeCalls(long height, long width, int reps, Func<Tensor, Tensor> call, int channels = 1)
    {
        using var scope = NewDisposeScope();
        var image = rand(new long[] { channels, height, width }, generator: new Generator(3)) * 0.8 + 0.1;
        if (height * width <= 1 << 22) call(image).Dispose(); // warm-up below 4 MP
        Measure.ResetPeak();
        var times = new List<double>();
        long faults0 = Measure.MinorFaults();
        for (int r = 0; r < reps; r++)
        {
            var clock = Stopwatch.StartNew();
            call(image).Dispose();
            times.Add(clock.Elapsed.TotalMilliseconds);
        }
        return new Sample(Measure.Median(times), (Measure.MinorFaults() - faults0) / (double)reps, Measure.PeakMiB(), Array.Empty<double>());
    }

    /// <summary>Progress sink of a library training run: step times from the progress reports (every 10 steps).</summary>
    private sealed class BlockProbe : IProgress<TrainingProgress>
    {
        private readonly List<(long Step, double Ms, long Faults)> marks = new();

        public void Report(TrainingProgress value) => marks.Add((value.Step, value.Elapsed.TotalMilliseconds, Measure.MinorFaults()));

        public Sample Result(double peak)
        {
            // Skip the first two blocks (setup, warm-up), as the plain side does.
            var used = marks.Skip(1).ToList();
            var means = new List<double>();
            for (int i = 1; i < used.Count; i++) means.Add((used[i].Ms - used[i - 1].Ms) / (used[i].Step - used[i - 1].Step));
            double faults = used.Count > 1 ? (used[^1].Faults - used[0].Faults) / (double)(used[^1].Step - used[0].Step) : double.NaN;
            return new Sample(Measure.Median(means), faults, peak, Array.Empty<double>());
        }
    }
}

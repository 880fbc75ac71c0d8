using System.Text.Json;
using Denoising.Flow.Blur;
using Denoising.Flow.Denoisers;
using Denoising.Flow.Imaging;
using Denoising.Flow.Internal;
using Denoising.Flow.Persistence;
using Denoising.Flow.Training;
using Microsoft.Extensions.Logging;
using TorchSharp;
using static TorchSharp.torch;

namespace Denoising.Flow;

/// <summary>
/// A trained denoiser D. Denoises tensors of any size (reflect padding, seamless tiles) and image files.
/// Immutable once built; concurrent <c>Denoise</c> calls from several threads are safe (inference only, no shared state).
/// </summary>
public sealed class Denoiser : IDisposable
{
    private const string Kind = "Denoiser";
    private readonly DenoiserNetwork network;
    private readonly ScalarType dtype;

    internal Denoiser(DenoiserNetwork network, IBlurKernel blur, DenoiserInfo info)
    {
        this.network = network;
        Blur = blur;
        Info = info;
        network.eval();
        foreach (var p in network.parameters()) p.requires_grad = false;
        var first = network.parameters().First();
        Device = first.device;
        dtype = first.dtype;
    }

    /// <summary>The network architecture.</summary>
    public DenoiserNetworkOptions Network => network.Options;

    /// <summary>The blur kernel of the data term it was trained with.</summary>
    public IBlurKernel Blur { get; }

    /// <summary>How it was trained.</summary>
    public DenoiserInfo Info { get; }

    /// <summary>The device of its weights.</summary>
    public Device Device { get; }

    /// <summary>
    /// Image channels of the model. A grayscale model also denoises color images: in an orthonormal opponent colour space
    /// (luminance and two chrominance channels, where white RGB noise stays white, at 1/sqrt(3) of its level, and the
    /// chrominance is smooth), each channel as a grayscale image with its own noise level, then back to RGB.
    /// </summary>
    public int Channels => network.Options.Channels;

    /// <summary>
    /// Denoises [C, H, W] or [B, C, H, W] (any H, W; values on the [0, 1] scale, noise may leave that range).
    /// The result has the input's shape, dtype and device.
    /// </summary>
    /// <remarks>
    /// The input must be a floating-point tensor on the [0, 1] scale. Noise may leave that range, so values in [-4, 5] are
    /// accepted; anything beyond (for example 8-bit data on 0..255: divide it by 255), any NaN or infinity, and integer or
    /// boolean tensors are refused with an <see cref="ArgumentException"/> that says which.
    /// </remarks>
    /// <exception cref="ArgumentException">Wrong rank, a channel count the model cannot take, a non-floating dtype,
    /// non-finite values, or values far outside the [0, 1] scale.</exception>
    public Tensor Denoise(Tensor image, DenoiseOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(image);
        options ??= DenoiseOptions.Default;
        options.Validate();
        if (image.dim() is not (3 or 4))
            throw new ArgumentException($"Expected an image [C, H, W] or a batch [B, C, H, W], got shape {Shapes.Of(image)}.", nameof(image));
        using var scope = NewDisposeScope();
        using var mode = inference_mode();
        var batch = image.dim() == 3 ? image.unsqueeze(0) : image;
        long c = batch.shape[1];
        if (c != Channels && !(Channels == 1 && c == 3))
            throw new ArgumentException($"The denoiser takes {Channels}-channel images, got shape {Shapes.Of(image)}.", nameof(image));
        CheckValues(batch, nameof(image));

        var work = batch.to(dtype).to(Device);
        bool opponentPlanes = c != Channels; // a grayscale model on color: each opponent channel as a grayscale image
        var levels = options;
        if (opponentPlanes)
        {
            work = OpponentColor.FromRgb(work).reshape(-1, 1, batch.shape[2], batch.shape[3]);
            if (options.NoiseLevel is { } given) levels = options with { NoiseLevel = given * OpponentColor.NoiseScale };
        }
        bool sure = options.SureBlend || (options.SureTuning && network.Options.NoiseLevelInput);
        bool refine = options.WienerRefinement || options.HardThresholdingPilot;
        var imageLevels = network.Options.NoiseLevelInput || sure || refine ? ImageNoiseLevels(work, levels) : null;
        WarnIfSlowTile(work, options);
        var result = sure ? ChosenBySure(work, imageLevels!, options) : Run(work, network.Options.NoiseLevelInput ? imageLevels : null, options);
        if (refine) result = Refined(work, result, imageLevels!, opponentPlanes, batch.shape, options.HardThresholdingPilot);
        if (opponentPlanes) result = OpponentColor.ToRgb(result.reshape(batch.shape));
        if (options.ClipOutput) result = result.clamp(0, 1);
        if (image.dim() == 3) result = result.squeeze(0);
        return result.to(image.dtype).to(image.device).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// The output refined by collaborative Wiener filtering (<see cref="CollaborativeWiener"/>) with the network's output as
    /// the pilot (and, with <paramref name="hardThresholdingPilot"/>, BM3D's first-stage estimate as a second pilot that also
    /// decides the groups), in the space the noise is white in: the opponent planes as they are (one image of three channels),
    /// a color model's RGB through the opponent space, a grayscale image as it is. Each channel gets its noise level.
    /// </summary>
    private static Tensor Refined(Tensor work, Tensor output, Tensor levels, bool opponentPlanes, long[] shape, bool hardThresholdingPilot)
    {
        using var scope = NewDisposeScope();
        long images = shape[0];
        Tensor Filter(Tensor noisy, Tensor pilot, Tensor channelLevels)
        {
            if (!hardThresholdingPilot) return CollaborativeWiener.Filter(noisy, pilot, channelLevels);
            var estimate = CollaborativeHardThreshold.Filter(noisy, channelLevels);
            return CollaborativeWiener.Filter(noisy, new[] { pilot, estimate }, estimate, channelLevels);
        }
        if (opponentPlanes)
            return Filter(work.reshape(shape), output.reshape(shape), levels.view(images, 3)).reshape(work.shape).MoveToOuterDisposeScope();
        if (work.shape[1] == 1)
            return Filter(work, output, levels.view(images, 1)).MoveToOuterDisposeScope();
        var channelLevels = (levels * OpponentColor.NoiseScale).view(images, 1).expand(images, 3);
        return OpponentColor.ToRgb(Filter(OpponentColor.FromRgb(work), OpponentColor.FromRgb(output), channelLevels)).MoveToOuterDisposeScope();
    }

    /// <summary>Lowest and highest values <see cref="Denoise"/> accepts: the [0, 1] scale plus room for strong noise.</summary>
    public const double MinimumValue = -4, MaximumValue = 5;

    private static void CheckValues(Tensor batch, string paramName)
    {
        if (!torch.is_floating_point(batch))
            throw new ArgumentException($"The image must be a floating-point tensor on the [0, 1] scale, got dtype {batch.dtype}; convert it (8-bit data: divide by 255).", paramName);
        using var scope = NewDisposeScope();
        // One pass per statistic and one host transfer, no copy of the image: min and max are NaN or infinite when a value is.
        var stats = stack(new[] { batch.isnan().any().to(ScalarType.Float64), batch.min().to(ScalarType.Float64), batch.max().to(ScalarType.Float64) })
            .cpu().data<double>().ToArray();
        if (stats[0] > 0) throw new ArgumentException("The image contains NaN values.", paramName);
        if (double.IsInfinity(stats[1]) || double.IsInfinity(stats[2])) throw new ArgumentException("The image contains infinite values.", paramName);
        if (stats[1] < MinimumValue || stats[2] > MaximumValue)
            throw new ArgumentException($"The image's values span [{stats[1]:G4}, {stats[2]:G4}]; the denoiser takes the [0, 1] scale (noise may leave it: [{MinimumValue}, {MaximumValue}] is accepted). 8-bit data: divide by 255.", paramName);
    }

    /// <summary>Reads an image file, denoises it and writes a PNG (folders created; written atomically).</summary>
    /// <exception cref="ImageReadException">The input is not a readable image.</exception>
    public void DenoiseFile(string inputPath, string outputPath, DenoiseOptions? options = null, PngBitDepth bitDepth = PngBitDepth.Bit8, ILogger? logger = null)
    {
        using var scope = NewDisposeScope();
        var image = ImageIO.Read(inputPath, new ImageReadOptions { ColorMode = ImageColorMode.Auto }, logger);
        if (Channels == 3 && image.shape[0] == 1) image = image.expand(3, -1, -1);
        options ??= DenoiseOptions.Default;
        var denoised = Denoise(image, options.Logger is null && logger is not null ? options with { Logger = logger } : options);
        ImageIO.WritePng(denoised, outputPath, bitDepth);
    }

    /// <summary>Bytes of one layer's activations for <paramref name="images"/> padded tiles of <paramref name="height"/> x <paramref name="width"/> pixels.</summary>
    internal long TileActivationBytes(long images, long height, long width, long elementSize) =>
        images * network.Options.Width * ((height + network.WidestLayerScale - 1) / network.WidestLayerScale) * ((width + network.WidestLayerScale - 1) / network.WidestLayerScale) * elementSize;

    /// <summary>The padded tile actually used for <paramref name="batch"/> (an image smaller than the tile is one tile).</summary>
    private (long Height, long Width) PaddedTile(Tensor batch, int tileSize)
    {
        int margin = network.Options.ReceptiveRadius;
        tileSize -= tileSize % network.GridMultiple;
        return (Math.Min(tileSize, batch.shape[2]) + (2 * margin), Math.Min(tileSize, batch.shape[3]) + (2 * margin));
    }

    private void WarnIfSlowTile(Tensor batch, DenoiseOptions options)
    {
        var (h, w) = PaddedTile(batch, options.TileSize);
        long bytes = TileActivationBytes(1, h, w, batch.ElementSize);
        if (bytes <= DenoiseOptions.SlowTileActivationBytes) return;
        options.Logger?.LogWarning(
            "Tile size {TileSize}: one layer's activations of a padded {Height}x{Width} tile take {MiB:F0} MiB, over {Limit} MiB: inference will be about 2x slower than with tiles of 256 (see DenoiseOptions.TileSize).",
            options.TileSize, h, w, bytes / 1048576.0, DenoiseOptions.SlowTileActivationBytes / 1048576);
    }

    /// <summary>The network on a batch of padded tiles, in groups of images small enough to keep each activation under 32 MiB.</summary>
    private Tensor ForwardInGroups(Tensor tiles, Tensor? sigmas)
    {
        long b = tiles.shape[0];
        long perImage = TileActivationBytes(1, tiles.shape[2], tiles.shape[3], tiles.ElementSize);
        long group = Math.Clamp(DenoiseOptions.SlowTileActivationBytes / Math.Max(1, perImage), 1, b);
        if (group >= b) return network.Forward(tiles, sigmas);
        var parts = new List<Tensor>();
        for (long i = 0; i < b; i += group)
        {
            long n = Math.Min(group, b - i);
            parts.Add(network.Forward(tiles.narrow(0, i, n), sigmas?.narrow(0, i, n)));
        }
        return cat(parts, 0);
    }

    /// <summary>Saves architecture, blur kernel, training record and weights to one file, atomically.</summary>
    public void Save(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var config = new StoredConfig(Network, Blur.Name, ToJagged(Blur.GetTaps()));
        CheckpointFile.Write(path, Kind, Json.Write(config), Json.Write(Info), ModuleState.Save(network));
    }

    /// <summary>Loads a denoiser saved by <see cref="Save"/> onto <paramref name="device"/> (default: <see cref="Devices.Default"/>).</summary>
    /// <exception cref="CheckpointException">The file is not a denoiser, is corrupt, or its weights do not fit its architecture.</exception>
    public static Denoiser Load(string path, Device? device = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        return ModelLimits.Guard(path, () =>
        {
            var contents = CheckpointFile.Read(path, Kind);
            var config = Json.Read<StoredConfig>(contents.ConfigJson, path);
            var blur = CheckedArchitecture(path, config.Network, config.BlurName, config.BlurTaps);
            var info = Json.Read<DenoiserInfo>(contents.StateJson, path);
            if (contents.Sections.Count != 1) throw new CheckpointException(path, "it does not hold exactly one weight section.");
            return new Denoiser(LoadNetwork(path, config.Network, contents.Sections[0], device), blur, info);
        });
    }

    /// <summary>The architecture and blur kernel of a file, checked before anything is built.</summary>
    private static IBlurKernel CheckedArchitecture(string path, DenoiserNetworkOptions? network, string? blurName, double[][]? blurTaps)
    {
        if (network is null || blurName is null || blurTaps is null) throw new CheckpointException(path, "its configuration is incomplete.");
        var problems = network.Problems();
        if (problems.Count > 0) throw new CheckpointException(path, "its architecture is invalid: " + string.Join(" ", problems));
        ModelLimits.CheckParameterCount(path, network.ParameterCount());
        try
        {
            return BlurKernels.FromDescriptor(blurName, FromJagged(blurTaps));
        }
        catch (ArgumentException e)
        {
            throw new CheckpointException(path, "its blur kernel is invalid: " + e.Message, e);
        }
    }

    private static DenoiserNetwork LoadNetwork(string path, DenoiserNetworkOptions options, byte[] weights, Device? device)
    {
        var network = new DenoiserNetwork(options);
        ModuleState.Load(network, weights, path);
        ModelLimits.CheckFinite(path, network);
        network.to(Devices.Require(device ?? Devices.Default())).DetachFromScopes();
        return network;
    }

    /// <summary>
    /// The denoiser held in a TRAINING checkpoint (<c>DenoiserTrainer.WithCheckpoint</c>), e.g. to look at an interrupted
    /// or running training. The checkpoint is read, never changed; its training record holds the step, the training time and,
    /// for <see cref="PriorWeight.Discrepancy"/>, the adapted factor gamma as <see cref="DenoiserInfo.FinalPriorWeight"/>.
    /// </summary>
    /// <remarks>
    /// For a run that averages its weights (<c>WithWeightAveraging</c>), the denoiser holds the average: what training would
    /// return if it ended at this step.
    /// </remarks>
    /// <exception cref="CheckpointException">The file is not a denoiser training checkpoint or is corrupt.</exception>
    public static Denoiser LoadTrainingCheckpoint(string path, Device? device = null) => LoadTrainingCheckpoint(path, device, averaged: true);

    /// <summary>
    /// <see cref="LoadTrainingCheckpoint(string, Device?)"/> with the choice of the last weights (<paramref name="averaged"/> false)
    /// or the average when the checkpoint holds one (the quality harness compares both).
    /// </summary>
    internal static Denoiser LoadTrainingCheckpoint(string path, Device? device, bool averaged)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        return ModelLimits.Guard(path, () =>
        {
            var contents = CheckpointFile.Read(path, DenoiserTrainer.CheckpointKind);
            var config = Json.Read<TrainingConfig>(contents.ConfigJson, path);
            var state = Json.Read<TrainingCheckpoint.State>(contents.StateJson, path);
            TrainingCheckpoint.CheckSections(contents, path);
            var blur = CheckedArchitecture(path, config.Architecture?.Network, config.Architecture?.Blur, config.BlurTaps);
            bool useAverage = averaged && contents.Sections.Count > TrainingCheckpoint.AverageSection;
            var network = LoadNetwork(path, config.Architecture!.Network, contents.Sections[useAverage ? TrainingCheckpoint.AverageSection : 0], device);
            double gamma = state.StageStateOrLegacy()?.Deserialize<PriorWeightState>(Json.Options)?.Gamma ?? double.NaN;
            var info = new DenoiserInfo(state.Step, config.PatchSize, 0, config.Weight, gamma,
                Array.Empty<double>(), double.NaN, double.NaN, state.TrainingSeconds)
            { DataTerm = config.DataTerm ?? DataTerm.Residual };
            return new Denoiser(network, blur, info);
        });
    }

    /// <summary>Releases the native memory of the weights.</summary>
    public void Dispose() => network.Dispose();

    internal Tensor Forward(Tensor batch, Tensor? sigmas = null) => network.Forward(batch, sigmas);

    /// <summary>The network module (tests).</summary>
    internal DenoiserNetwork NetworkModule => network;

    /// <summary>
    /// Per-image noise levels [B] on the [0, 1] scale: given in the options, or estimated from each whole image (before tiling,
    /// so every tile of an image sees the same level).
    /// </summary>
    private Tensor ImageNoiseLevels(Tensor batch, DenoiseOptions options)
    {
        double[] levels;
        if (options.NoiseLevel is { } given)
        {
            levels = Enumerable.Repeat(given, (int)batch.shape[0]).ToArray();
        }
        else
        {
            if (batch.shape[2] < 2 || batch.shape[3] < 2)
                throw new ArgumentException($"The noise level cannot be estimated from a {batch.shape[2]}x{batch.shape[3]} image, so give DenoiseOptions.NoiseLevel (this denoiser takes it as an input, or SureBlend, SureTuning, WienerRefinement or HardThresholdingPilot needs it).");
            levels = Noise.NoiseLevelEstimator.EstimateBatch(batch);
        }
        return tensor(levels.Select(l => l / 255.0).ToArray(), dtype: dtype, device: Device);
    }

    /// <summary>The network over the whole batch: tiled, and averaged over the 8 symmetries with the self-ensemble.</summary>
    private Tensor Run(Tensor batch, Tensor? sigmas, DenoiseOptions options) =>
        options.SelfEnsemble ? Ensemble(batch, sigmas, options.TileSize) : Tiled(batch, sigmas, options.TileSize);

    /// <summary>
    /// The output Stein's unbiased risk estimate rates best (<see cref="SureRisk"/>), per window around each pixel
    /// (<see cref="DenoiseOptions.SureTuningRadius"/>) or per image: among the candidates of <see cref="SureCandidates"/>, each
    /// blended with its image's SURE-optimal beta in [0, 1] when <see cref="DenoiseOptions.SureBlend"/> is set. The candidates
    /// are kept until the end, where each pixel takes them in the shares its window chose them.
    /// </summary>
    private Tensor ChosenBySure(Tensor noisy, Tensor levels, DenoiseOptions options)
    {
        // The window around each pixel SURE is summed over; 0 sums over the whole image (one choice per image).
        int radius = options.SureTuning && network.Options.NoiseLevelInput ? options.SureTuningRadius : 0;
        var outputs = new List<Tensor>();
        Tensor? choice = null, lowest = null;
        foreach (var candidate in SureCandidates(noisy, levels, options))
        {
            using var scope = NewDisposeScope();
            var terms = SureRisk.Measure(noisy, candidate.Output, candidate.Divergence, levels);
            var beta = options.SureBlend ? terms.OptimalWeight().clamp(0, 1) : zeros_like(terms.Residual);
            var risk = radius > 0
                ? SureRisk.LocalRisk(noisy, candidate.Output, candidate.Divergence, beta, levels, radius) // [B, 1, H, W]
                : terms.Risk(beta).view(-1, 1, 1, 1);
            if (options.Logger is { } logger && logger.IsEnabled(LogLevel.Debug))
                logger.LogDebug("SURE: noise-level scale {Scale}: residual weights {Weights}, risk per value {Risks}", candidate.Scale, Format(beta), Format(terms.Risk(beta) / terms.Values));
            // Where this candidate is rated below every earlier one, it becomes the choice (ties keep the earlier one).
            var index = full_like(risk, outputs.Count, dtype: int64);
            var (previousChoice, previousLowest) = (choice, lowest);
            choice = (previousChoice is null ? index : where(risk < previousLowest!, index, previousChoice)).MoveToOuterDisposeScope();
            lowest = (previousLowest is null ? risk : minimum(risk, previousLowest)).MoveToOuterDisposeScope();
            previousChoice?.Dispose();
            previousLowest?.Dispose();
            outputs.Add((candidate.Output + (beta.to(candidate.Output.dtype).view(-1, 1, 1, 1) * (noisy - candidate.Output))).MoveToOuterDisposeScope());
            candidate.Output.Dispose();
            candidate.Divergence.Dispose();
        }
        // Each pixel takes the candidates in the shares its window chose them (so the choice changes smoothly, without seams);
        // per image, the one candidate chosen.
        var result = zeros_like(outputs[0]);
        for (int k = 0; k < outputs.Count; k++)
        {
            using var scope = NewDisposeScope();
            result.add_(SureRisk.WindowMean(choice!.eq(k).to(float64), radius).to(result.dtype) * outputs[k]);
            outputs[k].Dispose();
        }
        return result;
    }

    /// <summary>
    /// The candidates SURE chooses among, one at a time: for each noise-level scale (<see cref="DenoiseOptions.SureTuningScales"/>
    /// with <see cref="DenoiseOptions.SureTuning"/> for a network that takes the level; else the level itself), the output D of
    /// the whole denoiser (tiles, ensemble) on <paramref name="noisy"/> and its divergence map (<see cref="SureRisk.DivergenceMap"/>)
    /// from a second pass on the input moved by a Gaussian probe of fixed seed. SURE always uses the image's own level
    /// <paramref name="levels"/>, whatever level the network is fed. Each candidate's tensors belong to the caller's dispose scope.
    /// </summary>
    internal IEnumerable<SureCandidate> SureCandidates(Tensor noisy, Tensor levels, DenoiseOptions options)
    {
        using var generator = new Generator(SureRisk.ProbeSeed);
        var probe = randn(noisy.shape, generator: generator, dtype: noisy.dtype).to(Device);
        var steps = SureRisk.Steps(levels);
        var moved = noisy + (steps.view(-1, 1, 1, 1) * probe);
        bool takesLevel = network.Options.NoiseLevelInput;
        var scales = takesLevel && options.SureTuning ? options.SureTuningScales : new[] { 1.0 };
        try
        {
            foreach (double scale in scales)
            {
                Tensor output, divergence;
                using (var scope = NewDisposeScope())
                {
                    var sigmas = takesLevel ? (levels * scale).clamp(0, 1) : null;
                    output = Run(noisy, sigmas, options);
                    divergence = SureRisk.DivergenceMap(output, probe, Run(moved, sigmas, options), steps).MoveToOuterDisposeScope();
                    output.MoveToOuterDisposeScope();
                }
                yield return new SureCandidate(scale, output, divergence);
            }
        }
        finally
        {
            probe.Dispose();
            steps.Dispose();
            moved.Dispose();
        }
    }

    /// <summary>One output SURE rates: the noise-level scale fed, the output, and its divergence map [B, C, H, W] (float64).</summary>
    internal sealed record SureCandidate(double Scale, Tensor Output, Tensor Divergence);

    private static string Format(Tensor values) =>
        string.Join(", ", values.to(float64).cpu().data<double>().ToArray().Select(v => v.ToString("G4", System.Globalization.CultureInfo.InvariantCulture)));

    /// <summary>Whole-image result computed tile by tile: reflect-pad by the receptive radius, keep each tile's core.</summary>
    private Tensor Tiled(Tensor batch, Tensor? sigmas, int tileSize)
    {
        int margin = network.Options.ReceptiveRadius;
        tileSize -= tileSize % network.GridMultiple; // tiles start on the grid of an FFDNet or UNet body
        long h = batch.shape[2], w = batch.shape[3];
        var mode = h > margin && w > margin ? PaddingModes.Reflect : PaddingModes.Replicate;
        var padded = nn.functional.pad(batch, new long[] { margin, margin, margin, margin }, mode);
        if (h <= tileSize && w <= tileSize)
            return ForwardInGroups(padded, sigmas).narrow(2, margin, h).narrow(3, margin, w);

        var output = empty_like(batch);
        for (long top = 0; top < h; top += tileSize)
        {
            for (long left = 0; left < w; left += tileSize)
            {
                using var scope = NewDisposeScope();
                long th = Math.Min(tileSize, h - top), tw = Math.Min(tileSize, w - left);
                var tile = padded.narrow(2, top, th + 2 * margin).narrow(3, left, tw + 2 * margin);
                var core = ForwardInGroups(tile, sigmas).narrow(2, margin, th).narrow(3, margin, tw);
                output.narrow(2, top, th).narrow(3, left, tw).copy_(core);
            }
        }
        return output;
    }

    private Tensor Ensemble(Tensor batch, Tensor? sigmas, int tileSize)
    {
        Tensor? sum = null;
        for (int s = 0; s < SquareSymmetry.Count; s++)
        {
            var t = SquareSymmetry.Apply(batch, s).contiguous();
            var back = SquareSymmetry.Invert(Tiled(t, sigmas, tileSize), s);
            sum = sum is null ? back : sum + back;
        }
        return sum! / SquareSymmetry.Count;
    }

    internal static double[][] ToJagged(double[,] taps) =>
        Enumerable.Range(0, taps.GetLength(0)).Select(i => Enumerable.Range(0, taps.GetLength(1)).Select(j => taps[i, j]).ToArray()).ToArray();

    private static double[,] FromJagged(double[][] rows)
    {
        var taps = new double[rows.Length, rows.Length == 0 ? 0 : rows[0].Length];
        for (int i = 0; i < rows.Length; i++)
        {
            if (rows[i].Length != taps.GetLength(1)) throw new ArgumentException("Blur taps are not rectangular.");
            for (int j = 0; j < rows[i].Length; j++) taps[i, j] = rows[i][j];
        }
        return taps;
    }

    internal sealed record TrainingArchitecture(DenoiserNetworkOptions Network, string Blur);

    internal sealed record TrainingConfig(TrainingArchitecture Architecture, double[][] BlurTaps, string Weight, int PatchSize, DataTerm? DataTerm = null);

    internal sealed record StoredConfig(DenoiserNetworkOptions Network, string BlurName, double[][] BlurTaps);
}

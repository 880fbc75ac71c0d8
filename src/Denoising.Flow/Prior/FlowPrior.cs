using Denoising.Flow.Flows;
using Denoising.Flow.Internal;
using Denoising.Flow.Persistence;
using Denoising.Flow.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Denoising.Flow;

/// <summary>
/// A trained clean-image prior f_C: a frozen Glow model with its architecture and training record.
/// Immutable: its parameters never change and need no gradient, but its log-likelihood is differentiable with
/// respect to the images, which is what stage 2 needs. Safe to share between threads (inference only).
/// </summary>
public sealed class FlowPrior : IDisposable
{
    private const string Kind = "FlowPrior";

    internal FlowPrior(GlowModel model, FlowPriorInfo info)
    {
        Model = model;
        Info = info;
        model.eval();
        foreach (var p in model.parameters()) p.requires_grad = false;
        var first = model.parameters().First();
        Device = first.device;
    }

    /// <summary>
    /// A prior from a Glow model trained elsewhere (for example by your own loop on <see cref="GlowModel.BitsPerDim"/>). The
    /// prior takes ownership: the model is frozen (eval mode, no gradients) and disposed with the prior; do not train it further.
    /// <see cref="GlowModel"/> is the flow itself (layers, exact inverse, density); <see cref="FlowPrior"/> is that flow frozen as
    /// stage 1's product, with its training record, file format and thread-safe use.
    /// </summary>
    /// <param name="model">A Glow model whose data-dependent initialisation has run (it has seen a batch in training mode).</param>
    /// <param name="info">Its training record, when known.</param>
    /// <exception cref="ArgumentException">The model's ActNorm layers were never initialised from data.</exception>
    public static FlowPrior FromModel(GlowModel model, FlowPriorInfo? info = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (model.modules().OfType<ActNorm>().Any(a => !a.IsInitialized))
            throw new ArgumentException("The Glow model was never trained: its ActNorm layers have not been initialised from data.", nameof(model));
        return new FlowPrior(model.DetachFromScopes(), info ?? new FlowPriorInfo(0, 0, 0, double.NaN, null, 0));
    }

    /// <summary>The architecture.</summary>
    public GlowOptions Architecture => Model.Options;

    /// <summary>How the prior was trained.</summary>
    public FlowPriorInfo Info { get; }

    /// <summary>The device the parameters live on.</summary>
    public Device Device { get; }

    /// <summary>Image channels (1 or 3).</summary>
    public int Channels => Model.Options.InputChannels;

    /// <summary>H and W of scored images must be multiples of this (2^levels).</summary>
    public int SizeMultiple => Model.Options.SizeMultiple;

    internal GlowModel Model { get; }

    /// <summary>
    /// log f(x) in nats per image for images in [0, 1], [B, C, H, W] or [C, H, W] (H, W multiples of <see cref="SizeMultiple"/>).
    /// Differentiable with respect to <paramref name="images"/>. The result has the input's device and dtype.
    /// </summary>
    public Tensor LogLikelihood(Tensor images)
    {
        using var scope = NewDisposeScope();
        var batch = AsBatch(images);
        var ll = Model.LogLikelihood(batch.to(Model.parameters().First().dtype).to(Device));
        return ll.to(images.dtype).to(images.device).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Bits per dimension for 8-bit data: (-log f(x) / D + ln 256) / ln 2 per image. With <paramref name="dequantize"/>,
    /// the images are first dequantised (uniform noise within each 8-bit level), which gives the usual bound for 8-bit images.
    /// </summary>
    public Tensor BitsPerDim(Tensor images, bool dequantize = false, Generator? generator = null)
    {
        using var scope = NewDisposeScope();
        var batch = AsBatch(images);
        if (dequantize) batch = LogitTransform.Dequantize(batch.cpu(), generator).to(images.device);
        double dims = batch.shape[1] * batch.shape[2] * batch.shape[3];
        var ll = LogLikelihood(batch);
        return Internal.BitsPerDim.FromNats(-ll / dims).MoveToOuterDisposeScope();
    }

    /// <summary>Draws images [count, C, height, width] at a temperature (0.7 is a common choice for Glow).</summary>
    public Tensor Sample(int count, int height, int width, double temperature = 0.7, Generator? generator = null)
    {
        using var mode = inference_mode();
        return Model.Sample(count, height, width, temperature, generator);
    }

    /// <summary>Saves architecture, training record and weights to one file, atomically.</summary>
    public void Save(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        CheckpointFile.Write(path, Kind, Json.Write(Architecture), Json.Write(Info), ModuleState.Save(Model));
    }

    /// <summary>Loads a prior saved by <see cref="Save"/> onto <paramref name="device"/> (default: <see cref="Devices.Default"/>).</summary>
    /// <exception cref="CheckpointException">The file is not a prior, is corrupt, or its weights do not fit its architecture.</exception>
    public static FlowPrior Load(string path, Device? device = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        return ModelLimits.Guard(path, () =>
        {
            var contents = CheckpointFile.Read(path, Kind);
            var options = Json.Read<GlowOptions>(contents.ConfigJson, path);
            var problems = options.Problems();
            if (problems.Count > 0) throw new CheckpointException(path, "its architecture is invalid: " + string.Join(" ", problems));
            ModelLimits.CheckParameterCount(path, options.ParameterCount());
            var info = Json.Read<FlowPriorInfo>(contents.StateJson, path);
            if (contents.Sections.Count != 1) throw new CheckpointException(path, "it does not hold exactly one weight section.");
            var model = new GlowModel(options);
            ModuleState.Load(model, contents.Sections[0], path);
            ModelLimits.CheckFinite(path, model);
            model.to(Devices.Require(device ?? Devices.Default())).DetachFromScopes();
            return new FlowPrior(model, info);
        });
    }

    /// <summary>Releases the native memory of the weights.</summary>
    public void Dispose() => Model.Dispose();

    private Tensor AsBatch(Tensor images)
    {
        ArgumentNullException.ThrowIfNull(images);
        return images.dim() == 3 ? images.unsqueeze(0) : images;
    }
}

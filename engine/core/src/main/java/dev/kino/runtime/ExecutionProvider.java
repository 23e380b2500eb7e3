package dev.kino.runtime;

/**
 * The ONNX Runtime execution provider a run actually uses, and why it was picked (shown to the user, so
 * "auto" never silently means "slow").
 */
public record ExecutionProvider(Device device, String reason) {

    /** Whether the graphs run on a CUDA GPU. */
    public boolean isCuda() {
        return device.kind() == Device.Kind.CUDA;
    }

    /** "CUDA (GPU 0)" or "CPU". */
    public String label() {
        return isCuda() ? "CUDA (GPU " + device.index() + ")" : "CPU";
    }
}

package dev.kino.commandline;

import dev.kino.runtime.Device;
import picocli.CommandLine.Option;

/** {@code --device}, the same for every command that runs graphs ({@code @Mixin} it). */
public final class DeviceOption {
    @Option(names = "--device", paramLabel = "auto|cpu|cuda[:N]", defaultValue = "auto",
            description = "Where ONNX Runtime runs: auto (CUDA if it loads, else CPU), cpu, cuda or cuda:N (default: ${DEFAULT-VALUE}).")
    String device;

    /** The option as given (for records of a run). */
    public String text() {
        return device;
    }

    /** The device, or a user error naming the accepted forms. */
    public Device device() {
        return Device.parse(device);
    }
}

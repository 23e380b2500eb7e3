package dev.kino.commandline;

import dev.kino.KinoException;
import dev.kino.video.DeliveryFormat;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Option;
import picocli.CommandLine.TypeConversionException;

import java.util.Arrays;
import java.util.Iterator;

/**
 * {@code --format}, the same for every command that writes takes ({@code kino render}, Spark's RenderJob;
 * {@code @Mixin} it): the choices are {@link DeliveryFormat}'s, declared there once.
 */
public final class DeliveryFormatOption {
    @Option(names = "--format", paramLabel = "FORMAT", defaultValue = "mp4", converter = Converter.class,
            completionCandidates = Names.class,
            description = "What each take is written as beside its H.264 MP4 preview: ${COMPLETION-CANDIDATES}"
                    + " (default: ${DEFAULT-VALUE}: the preview only). prores: a ProRes 422 HQ .mov per take; png16:"
                    + " a folder of 16-bit PNGs per take (both at the model's own size, for editing).")
    DeliveryFormat format;

    /** The chosen format ({@link DeliveryFormat#MP4} when none was given). */
    public DeliveryFormat format() {
        return format;
    }

    /** Picocli's converter for {@link DeliveryFormat} names: an unknown one is refused with the choices. */
    public static final class Converter implements ITypeConverter<DeliveryFormat> {
        @Override
        public DeliveryFormat convert(String value) {
            try {
                return DeliveryFormat.parse(value);
            } catch (KinoException e) {
                throw new TypeConversionException(e.getMessage());
            }
        }
    }

    /** The names {@link DeliveryFormat} declares, for the help text. */
    public static final class Names implements Iterable<String> {
        @Override
        public Iterator<String> iterator() {
            return Arrays.stream(DeliveryFormat.values()).map(DeliveryFormat::id).iterator();
        }
    }
}

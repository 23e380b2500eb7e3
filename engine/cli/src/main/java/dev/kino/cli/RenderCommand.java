package dev.kino.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kino.KinoException;
import dev.kino.commandline.DeliveryFormatOption;
import dev.kino.commandline.DeviceOption;
import dev.kino.commandline.ExpertsOption;
import dev.kino.pipeline.ExpertResidency;
import dev.kino.demo.DemoModel;
import dev.kino.model.ManifestReader;
import dev.kino.pipeline.GenerationPlan;
import dev.kino.pipeline.GenerationResult;
import dev.kino.pipeline.TextToVideoPipeline;
import dev.kino.shots.ShotList;
import dev.kino.shots.ShotListReader;
import dev.kino.shots.Take;
import dev.kino.shots.TakeRecord;
import dev.kino.shots.TakeVideo;
import dev.kino.video.DeliveryFormat;
import dev.kino.video.DeliveryWriter;
import dev.kino.video.Mp4Reader;
import dev.kino.video.Mp4Writer;
import dev.kino.video.VideoFrames;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code kino render shots.json --out DIR}: every take of a shot list, one MP4 each, then a contact sheet and an
 * index page. Resumable: a take whose MP4 exists beside a record of the same request hash is not rendered again,
 * so a killed render continues where it stopped. Shots render in dependency order: a shot that continues from
 * another ({@code continue_from}) starts on the last frame of that shot's chosen take ({@code pick}, default
 * take 1), rendered first; so does a shot whose source or control video is another shot's chosen take
 * ({@code source_video_from}, {@code control_video_from}).
 */
@Command(name = "render", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Render every take of a shot list (JSON or YAML, see examples/shots/README.md) into a folder, "
                + "with a contact sheet and an index page; rerun to resume.")
final class RenderCommand implements Callable<Integer> {
    static final String SHEET = "contact-sheet.png";
    static final String INDEX = "index.html";

    @Parameters(index = "0", paramLabel = "SHOTS", description = "The shot list (.json, .yaml or .yml).")
    Path shotList;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "Folder for the takes (created if missing).")
    Path out;

    @Mixin
    DeviceOption device;

    @Mixin
    ExpertsOption experts;

    @Mixin
    DeliveryFormatOption formatOption;

    @Option(names = {"-q", "--quiet"}, description = "No progress bars.")
    boolean quiet;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    /** A take and where its files go; {@code master} is the --format deliverable (null for mp4 only). */
    record Planned(Take take, GenerationPlan plan, Path mp4, Path record, Path master) {
    }

    @Override
    public Integer call() {
        PrintWriter stdout = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        ExpertResidency residency = experts.residency();   // a bad value before anything is read or loaded
        ShotList list = ShotListReader.read(shotList);
        Path dir = out.toAbsolutePath().normalize();
        OutputTarget.checkFolder(dir, true);
        Mp4Writer.preloadInBackground();
        Map<String, TextToVideoPipeline> models = new LinkedHashMap<>();
        try {
            List<Planned> takes = check(list, dir, models, residency);
            models.forEach((key, kino) -> {
                if (kino.expertsOneAtATime()) {
                    err.println("Denoiser experts of " + kino.modelPackage().manifest().name() + " loaded one at a time"
                            + (residency == ExpertResidency.AUTO
                            ? " (both do not fit this device's free memory; --experts both keeps them)" : ""));
                }
            });
            int rendered = 0;
            int kept = 0;
            Map<String, ContactSheet.Cell> cellByKey = new LinkedHashMap<>();
            Map<String, Planned> byKey = new LinkedHashMap<>();
            takes.forEach(p -> byKey.put(p.take().key(), p));
            for (Take order : list.renderOrder()) {
                Planned p = byKey.get(order.key());
                Take t = p.take();
                String label = t.shot().name() + " take " + t.take() + "/" + t.shot().takeCount();
                VideoFrames frames;
                TextToVideoPipeline kino = models.get(key(t.model()));
                // A take that needs other takes is planned now: their MP4s (rendered above) are its first frame
                // (continue_from) or its source or control video (source_video_from, control_video_from).
                GenerationPlan plan = !t.waits() ? p.plan() : kino.plan(t.resolved(src -> byKey.get(src.key()).mp4()));
                if (done(p, plan)) {
                    kept++;
                    err.println(label + ": already rendered, kept");
                    frames = Mp4Reader.read(p.mp4()).frames();
                } else {
                    GenerationResult r;
                    try (ProgressDisplay progress = new ProgressDisplay(err, quiet)) {
                        r = kino.generate(plan, progress);
                    }
                    r.warnings().forEach(w -> err.println("warning: " + label + ": " + w));
                    frames = r.frames();
                    Files.createDirectories(p.mp4().getParent());
                    int scale = TakeVideo.viewingScale(frames.width(), frames.height());
                    Mp4Writer.write(frames, r.settings().fps(), p.mp4(), scale);
                    if (p.master() != null) { // the editor's copy: the model's own pixels, not the enlarged preview
                        DeliveryWriter.write(frames, r.settings().fps(), formatOption.format(), p.master());
                    }
                    writeRecord(p, plan, r, models.get(key(t.model())).provider().device().toString());
                    rendered++;
                    err.println(label + ": rendered " + dir.relativize(p.mp4()));
                }
                cellByKey.put(t.key(), new ContactSheet.Cell(t, frames, dir.relativize(p.mp4()).toString()));
            }
            List<ContactSheet.Cell> cells = new ArrayList<>();
            takes.forEach(p -> cells.add(cellByKey.get(p.take().key()))); // the sheet shows cut order
            ContactSheet.write(list, cells, dir.resolve(SHEET));
            IndexPage.write(list, cells, SHEET, dir.resolve(INDEX));
            stdout.println("Rendered " + rendered + " take" + (rendered == 1 ? "" : "s") + ", kept " + kept
                    + " already rendered; contact sheet " + dir.resolve(SHEET) + ", index " + dir.resolve(INDEX));
            return 0;
        } catch (IOException e) {
            throw new KinoException("Cannot write into " + dir + ": " + e.getMessage() + "; check the folder.", e);
        } finally {
            models.values().forEach(TextToVideoPipeline::close);
        }
    }

    /**
     * Loads every model the list names and checks every take against it before the first one renders, so a
     * shot the model cannot make fails the run at once, with all such problems in one message.
     */
    private List<Planned> check(ShotList list, Path dir, Map<String, TextToVideoPipeline> models,
                                ExpertResidency residency) {
        List<String> problems = new ArrayList<>();
        Path listDir = shotList.toAbsolutePath().normalize().getParent();
        List<Planned> planned = new ArrayList<>();
        for (Take t : list.takes()) {
            String key = key(t.model());
            if (!models.containsKey(key)) {
                Path folder = key.isEmpty() ? DemoModel.folder() : listDir.resolve(key).normalize();
                if (!key.isEmpty() && !Files.isRegularFile(folder.resolve(ManifestReader.FILE_NAME))) {
                    problems.add("shot " + t.shot().name() + ": the model folder " + folder + " has no "
                            + ManifestReader.FILE_NAME);
                    models.put(key, null);
                } else {
                    models.put(key, TextToVideoPipeline.load(folder, device.device(), residency));
                }
            }
            TextToVideoPipeline kino = models.get(key);
            GenerationPlan plan = null;
            if (kino != null && t.waits()) {
                // Its first frame or videos do not exist yet; what can be checked now is that the model takes one.
                if (t.source() != null && kino.modelPackage().manifest().conditioning() == null) {
                    problems.add("shot " + t.shot().name() + " continues from " + t.source().shot().name()
                            + ", but its model " + kino.modelPackage().manifest().name() + " makes video from text"
                            + " only (use an image-to-video model, or leave out continue_from)");
                }
            } else if (kino != null) {
                try {
                    plan = kino.plan(t.request());
                } catch (KinoException e) {
                    problems.add("shot " + t.shot().name() + " take " + t.take() + ": "
                            + e.getMessage().replaceAll("[.]$", ""));
                }
            }
            DeliveryFormat format = formatOption.format();
            Path master = format == DeliveryFormat.MP4 ? null : format.target(dir.resolve(t.key()));
            planned.add(new Planned(t, plan, dir.resolve(t.key() + ".mp4"), dir.resolve(t.key() + ".json"), master));
        }
        models.values().removeIf(java.util.Objects::isNull);
        if (!problems.isEmpty()) {
            throw new KinoException("The shot list " + shotList + " cannot be rendered as it is: "
                    + String.join("; ", problems) + "; fix the shot list and run again.");
        }
        return planned;
    }

    /** Built-in model: "" (no model, or "demo"); else the reference as written. */
    private static String key(String model) {
        return model == null || model.toLowerCase(Locale.ROOT).equals("demo") ? "" : model;
    }

    /**
     * True when the take's MP4 (and the --format deliverable) exist and its record carries the fingerprint of the
     * same plan: the same model package, settings, scheduler and (for a continuation) the same first frame.
     */
    private static boolean done(Planned p, GenerationPlan plan) {
        if (!Files.isRegularFile(p.mp4()) || !Files.isRegularFile(p.record())
                || p.master() != null && !Files.exists(p.master())) {
            return false;
        }
        try {
            return plan.fingerprint().equals(new ObjectMapper().readTree(p.record().toFile())
                    .path("plan_fingerprint").asText());
        } catch (IOException e) {
            return false; // an unreadable record: render the take again
        }
    }

    /** The take's record, written after its MP4 (both atomically), so a record always means a whole MP4. */
    private static void writeRecord(Planned p, GenerationPlan plan, GenerationResult r, String device)
            throws IOException {
        Take t = p.take();
        String json = TakeRecord.json(t.project(), t.shot().name(), t.take(), t.seed(), t.model(), t.requestHash(),
                plan.fingerprint(), r.settings(), device, r.expertSessions());
        Path temp = p.record().resolveSibling("." + p.record().getFileName() + ".partial");
        Files.writeString(temp, json);
        Files.move(temp, p.record(), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }
}

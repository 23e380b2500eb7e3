package dev.kino.server;

import dev.kino.runtime.Device;
import dev.kino.server.work.Workers;

import java.nio.file.Path;
import java.util.List;

/** A server in its own JVM for {@link DataFolderTest}: starts on the data folder given, says "ready", then waits to be killed. */
public final class HoldingServer {
    private HoldingServer() {
    }

    public static void main(String[] args) throws InterruptedException {
        KinoServer server = KinoServer.start(new ServerConfig("127.0.0.1", 0, List.of(Device.CPU), Path.of(args[0]), null,
                Workers.Settings.DEFAULT));
        System.out.println("ready " + server.port());
        System.out.flush();
        Thread.sleep(Long.MAX_VALUE);
    }
}

package dev.kino.spark;

import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RawLocalFileSystem;
import org.apache.hadoop.fs.permission.FsPermission;
import org.apache.hadoop.util.Progressable;

import java.io.File;
import java.io.IOException;
import java.net.URI;

/** Hadoop file systems that fail the way real clusters do, for the tests (registered as fs.SCHEME.impl). */
final class TestFileSystems {
    private TestFileSystems() {
    }

    /**
     * Local folders that every JVM sees on its own ({@code kino.test.perjvm.root}/PID/path): what a local path
     * on a multi-machine cluster is, where the driver and each executor have a disk of their own.
     */
    public static final class PerJvm extends RawLocalFileSystem {
        static final String SCHEME = "perjvm";
        static final String ROOT = "kino.test.perjvm.root";

        @Override
        public URI getUri() {
            return URI.create(SCHEME + ":///");
        }

        @Override
        public String getScheme() {
            return SCHEME;
        }

        @Override
        public File pathToFile(Path path) {
            File own = new File(getConf().get(ROOT), Long.toString(ProcessHandle.current().pid()));
            own.mkdirs();
            return new File(own, super.pathToFile(path).getPath());
        }
    }

    /** The local disk, full for the results table ({@code results.*}) only: it fills up after the last take. */
    public static final class FullTable extends RawLocalFileSystem {
        static final String SCHEME = "fulltable";

        @Override
        public URI getUri() {
            return URI.create(SCHEME + ":///");
        }

        @Override
        public String getScheme() {
            return SCHEME;
        }

        private static void full(Path f) throws IOException {
            if (f.toString().contains("/results.")) {
                throw new IOException("No space left on device");
            }
        }

        @Override
        public boolean mkdirs(Path f) throws IOException {
            full(f);
            return super.mkdirs(f);
        }

        @Override
        public boolean mkdirs(Path f, FsPermission permission) throws IOException {
            full(f);
            return super.mkdirs(f, permission);
        }

        @Override
        public FSDataOutputStream create(Path f, boolean overwrite, int bufferSize, short replication, long blockSize,
                                         Progressable progress) throws IOException {
            full(f);
            return super.create(f, overwrite, bufferSize, replication, blockSize, progress);
        }

        @Override
        public FSDataOutputStream create(Path f, FsPermission permission, boolean overwrite, int bufferSize,
                                         short replication, long blockSize, Progressable progress) throws IOException {
            full(f);
            return super.create(f, permission, overwrite, bufferSize, replication, blockSize, progress);
        }
    }
}

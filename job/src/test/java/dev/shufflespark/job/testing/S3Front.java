package dev.shufflespark.job.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A plain HTTP/1.1 proxy on 127.0.0.1 in front of an S3 endpoint (S3Proxy), for S3A to talk to instead: it
 * records every request (method, target, whether it is a server-side copy) and, when told to, answers a share of
 * them with {@code 503 SlowDown} as S3 does when throttling, or closes their connection without an answer. Each
 * client connection gets a connection of its own to the endpoint; bytes pass unchanged, the {@code Host} header
 * included, so signatures stay valid. One thread per direction of each connection; {@link #close} ends them all.
 */
public final class S3Front implements AutoCloseable {

    /** What the front does with requests: shares of them answered with 503 SlowDown, or dropped unanswered. */
    public record Faults(double slowDown, double drop) {
        public static final Faults NONE = new Faults(0, 0);
    }

    /**
     * A request as the front saw it.
     *
     * @param method  GET, PUT, POST, HEAD, DELETE
     * @param target  the path and query
     * @param copy    a server-side copy ({@code x-amz-copy-source}): what a rename on S3 is made of
     * @param outcome {@code forwarded}, {@code slowdown} or {@code dropped}
     */
    public record Request(String method, String target, boolean copy, String outcome) {

        /** Starts a multipart upload ({@code POST ?uploads}). */
        public boolean startsUpload() {
            return method.equals("POST") && query().contains("uploads");
        }

        /** Completes a multipart upload ({@code POST ?uploadId=}). */
        public boolean completesUpload() {
            return method.equals("POST") && query().contains("uploadId=");
        }

        private String query() {
            int q = target.indexOf('?');
            return q < 0 ? "" : target.substring(q + 1);
        }
    }

    private static final int MAX_HEAD = 64 * 1024;

    private final int upstreamPort;
    private final ServerSocket server;
    private final Thread acceptor;
    private final Set<Socket> sockets = ConcurrentHashMap.newKeySet();
    private final List<Request> requests = Collections.synchronizedList(new ArrayList<>());
    private final AtomicInteger threads = new AtomicInteger();
    private final Random random;
    private volatile Faults faults = Faults.NONE;
    private volatile boolean closed;

    /** Starts a front for the endpoint on 127.0.0.1:{@code upstreamPort}; faults drawn from {@code seed}. */
    public S3Front(int upstreamPort, long seed) throws IOException {
        this.upstreamPort = upstreamPort;
        this.random = new Random(seed);
        this.server = new ServerSocket(0, 64, InetAddress.getLoopbackAddress());
        this.acceptor = daemon("s3-front-accept", this::accept);
        acceptor.start();
    }

    public String endpoint() {
        return "http://127.0.0.1:" + server.getLocalPort();
    }

    /** From now on, treat requests with {@code f}. */
    public void faults(Faults f) {
        faults = f;
    }

    /** Every request seen so far, in order. */
    public List<Request> requests() {
        synchronized (requests) {
            return List.copyOf(requests);
        }
    }

    /** Forgets the requests seen so far. */
    public void clear() {
        requests.clear();
    }

    /** Requests by outcome. */
    public Map<String, Integer> outcomes() {
        Map<String, Integer> n = new LinkedHashMap<>();
        for (Request r : requests()) {
            n.merge(r.outcome(), 1, Integer::sum);
        }
        return n;
    }

    private void accept() {
        while (!closed) {
            try {
                Socket client = server.accept();
                sockets.add(client);
                daemon("s3-front-" + threads.incrementAndGet(), () -> serve(client)).start();
            } catch (IOException e) {
                if (!closed) {
                    System.err.println("s3 front: accept failed: " + e);
                }
                return;
            }
        }
    }

    private void serve(Socket client) {
        Socket upstream = null;
        try {
            upstream = new Socket(InetAddress.getLoopbackAddress(), upstreamPort);
            sockets.add(upstream);
            Socket up = upstream;
            daemon("s3-front-" + threads.incrementAndGet(), () -> pump(up, client)).start();
            InputStream in = new java.io.BufferedInputStream(client.getInputStream());
            OutputStream toUpstream = upstream.getOutputStream();
            while (true) {
                byte[] head = readHead(in);
                if (head == null) {
                    return; // the client closed its connection
                }
                String text = new String(head, StandardCharsets.ISO_8859_1);
                String[] lines = text.split("\r\n");
                String[] first = lines[0].split(" ");
                Map<String, String> headers = new LinkedHashMap<>();
                for (int i = 1; i < lines.length; i++) {
                    int colon = lines[i].indexOf(':');
                    if (colon > 0) {
                        headers.put(lines[i].substring(0, colon).strip().toLowerCase(Locale.ROOT),
                                lines[i].substring(colon + 1).strip());
                    }
                }
                String method = first[0];
                String target = first.length > 1 ? first[1] : "";
                boolean copy = headers.containsKey("x-amz-copy-source");
                Faults f = faults;
                double draw;
                synchronized (random) {
                    draw = random.nextDouble();
                }
                if (draw < f.slowDown()) {
                    requests.add(new Request(method, target, copy, "slowdown"));
                    if (!"100-continue".equalsIgnoreCase(headers.get("expect"))) {
                        body(in, headers, OutputStream.nullOutputStream());
                    }
                    slowDown(client.getOutputStream());
                    return;
                }
                if (draw < f.slowDown() + f.drop()) {
                    requests.add(new Request(method, target, copy, "dropped"));
                    return; // closed below, without a byte of answer
                }
                requests.add(new Request(method, target, copy, "forwarded"));
                toUpstream.write(head);
                body(in, headers, toUpstream);
                toUpstream.flush();
            }
        } catch (IOException e) {
            // a connection closed by either side ends this pair
        } finally {
            close(client);
            close(upstream);
        }
    }

    /** Copies bytes from {@code from} to {@code to} until either closes, then closes both. */
    private void pump(Socket from, Socket to) {
        byte[] buf = new byte[64 * 1024];
        try {
            InputStream in = from.getInputStream();
            OutputStream out = to.getOutputStream();
            int n;
            while ((n = in.read(buf)) >= 0) {
                out.write(buf, 0, n);
                out.flush();
            }
        } catch (IOException e) {
            // closed
        } finally {
            close(from);
            close(to);
        }
    }

    private static void slowDown(OutputStream out) throws IOException {
        byte[] body = ("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>SlowDown</Code>"
                + "<Message>Please reduce your request rate.</Message><RequestId>S3FRONT</RequestId></Error>")
                .getBytes(StandardCharsets.UTF_8);
        String head = "HTTP/1.1 503 Slow Down\r\nContent-Type: application/xml\r\nContent-Length: " + body.length
                + "\r\nConnection: close\r\n\r\n";
        out.write(head.getBytes(StandardCharsets.ISO_8859_1));
        out.write(body);
        out.flush();
    }

    /** A request's head up to and with its blank line; null at a clean end of the stream. */
    private static byte[] readHead(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int last4 = 0;
        while (true) {
            int b = in.read();
            if (b < 0) {
                if (head.size() == 0) {
                    return null;
                }
                throw new IOException("connection closed inside a request head");
            }
            head.write(b);
            if (head.size() > MAX_HEAD) {
                throw new IOException("request head longer than " + MAX_HEAD);
            }
            last4 = last4 << 8 | b;
            if (last4 == 0x0D0A0D0A) {
                return head.toByteArray();
            }
        }
    }

    /** Copies the request's body (by its length, or chunk by chunk) from {@code in} to {@code out}. */
    private static void body(InputStream in, Map<String, String> headers, OutputStream out) throws IOException {
        if ("chunked".equalsIgnoreCase(headers.get("transfer-encoding"))) {
            while (true) {
                String line = line(in);
                out.write((line + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
                int semi = line.indexOf(';');
                long size = Long.parseLong((semi < 0 ? line : line.substring(0, semi)).strip(), 16);
                if (size == 0) {
                    String trailer;
                    do {
                        trailer = line(in);
                        out.write((trailer + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
                    } while (!trailer.isEmpty());
                    return;
                }
                copy(in, out, size + 2); // the chunk and its CRLF
            }
        }
        String length = headers.get("content-length");
        if (length != null) {
            copy(in, out, Long.parseLong(length.strip()));
        }
    }

    private static String line(InputStream in) throws IOException {
        StringBuilder s = new StringBuilder();
        int b;
        while ((b = in.read()) >= 0) {
            if (b == '\n') {
                int end = s.length();
                return end > 0 && s.charAt(end - 1) == '\r' ? s.substring(0, end - 1) : s.toString();
            }
            s.append((char) b);
        }
        throw new IOException("connection closed inside a chunked body");
    }

    private static void copy(InputStream in, OutputStream out, long n) throws IOException {
        byte[] buf = new byte[64 * 1024];
        while (n > 0) {
            int r = in.read(buf, 0, (int) Math.min(buf.length, n));
            if (r < 0) {
                throw new IOException("connection closed inside a body");
            }
            out.write(buf, 0, r);
            n -= r;
        }
    }

    private void close(Socket s) {
        if (s == null) {
            return;
        }
        try {
            s.close();
        } catch (IOException e) {
            // closing
        }
        sockets.remove(s);
    }

    private static Thread daemon(String name, Runnable r) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }

    /** Stops accepting and closes every connection; the threads end with them. */
    @Override
    public void close() throws IOException {
        closed = true;
        server.close();
        for (Socket s : List.copyOf(sockets)) {
            close(s);
        }
        try {
            acceptor.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}

package dev.strata.rescore;

import org.elasticsearch.common.bytes.BytesReference;
import org.elasticsearch.xcontent.XContentBuilder;
import org.elasticsearch.xcontent.XContentFactory;
import org.elasticsearch.xcontent.XContentParseException;
import org.elasticsearch.xcontent.XContentParser;
import org.elasticsearch.xcontent.XContentParserConfiguration;
import org.elasticsearch.xcontent.XContentType;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.HttpURLConnection;
import java.net.MalformedURLException;
import java.net.Proxy;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.URLConnection;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;

/**
 * Calls {@code POST {url}/v1/rerank} with {@link HttpURLConnection} (java.base, allowed by the
 * {@code outbound_network} entitlement) and never blocks past the caller's deadline: connect and read timeouts are
 * the remaining budget, and a {@link Watchdog} disconnects the socket at the deadline.
 *
 * <pre>
 *   Reranker client = new RerankClient(() -> "http://127.0.0.1:8787", () -> null, () -> Watchdog.NONE);
 *   float[] scores = client.rerank(request, System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(300));
 * </pre>
 */
public final class RerankClient implements Reranker {
    static final String PATH = "/v1/rerank";
    /** A results array for a window of a few hundred hits is a few kB; anything this large is not an answer. */
    static final int MAX_RESPONSE_BYTES = 4 * 1024 * 1024;
    private static final int ERROR_SNIPPET_BYTES = 300;

    private final Supplier<String> baseUrl;
    private final Supplier<String> apiKey;
    private final Supplier<Watchdog> watchdog;

    public RerankClient(Supplier<String> baseUrl, Supplier<String> apiKey, Supplier<Watchdog> watchdog) {
        this.baseUrl = baseUrl;
        this.apiKey = apiKey;
        this.watchdog = watchdog;
    }

    @Override
    public float[] rerank(RerankRequest request, long deadlineNanos) throws StrataFailure {
        final String base = baseUrl.get();
        final long started = System.nanoTime();
        final byte[] body = toJson(request);
        final long budgetMillis = remainingMillis(deadlineNanos);
        if (budgetMillis <= 0) {
            throw StrataFailure.service(base, "timed out: the timeout_ms budget was used up before the request was sent", StrataFailure.Reason.TIMEOUT);
        }

        final HttpURLConnection conn;
        try {
            URLConnection opened = URI.create(trimSlash(base) + PATH).toURL().openConnection(Proxy.NO_PROXY);
            if (opened instanceof HttpURLConnection http) {
                conn = http;
            } else {
                throw StrataFailure.service(base, "not an http(s) URL", StrataFailure.Reason.CONNECTION_ERROR);
            }
        } catch (IllegalArgumentException | MalformedURLException e) {
            throw StrataFailure.service(base, "invalid URL (" + e.getMessage() + ")", StrataFailure.Reason.CONNECTION_ERROR);
        } catch (IOException e) {
            throw StrataFailure.service(base, describe(e), StrataFailure.Reason.CONNECTION_ERROR);
        }

        int timeout = (int) Math.min(Integer.MAX_VALUE, budgetMillis);
        conn.setConnectTimeout(timeout);
        conn.setReadTimeout(timeout);
        conn.setInstanceFollowRedirects(false);
        conn.setUseCaches(false);
        conn.setDoOutput(true);
        // Fixed-length streaming also turns off HttpURLConnection's silent retry of a POST.
        conn.setFixedLengthStreamingMode(body.length);
        try {
            conn.setRequestMethod("POST");
        } catch (java.net.ProtocolException e) {
            throw new IllegalStateException(e);
        }
        conn.setRequestProperty("Content-Type", "application/json");
        conn.setRequestProperty("Accept", "application/json");
        conn.setRequestProperty("User-Agent", "strata-elasticsearch-plugin");
        if (request.indexName() != null) {
            conn.setRequestProperty("X-Strata-Index", request.indexName());
        }
        String key = apiKey.get();
        if (key != null && key.isEmpty() == false) {
            conn.setRequestProperty("Authorization", "Bearer " + key);
        }

        AtomicBoolean cut = new AtomicBoolean();
        Runnable cancelWatchdog = watchdog.get().schedule(() -> {
            cut.set(true);
            conn.disconnect();
        }, budgetMillis);
        boolean ok = false;
        try {
            try (OutputStream out = conn.getOutputStream()) {
                out.write(body);
            }
            int status = conn.getResponseCode();
            if (status != 200) {
                String snippet = errorSnippet(conn);
                throw StrataFailure.service(base, "HTTP " + status + (snippet.isEmpty() ? "" : " (" + snippet + ")"), StrataFailure.Reason.BAD_RESPONSE);
            }
            byte[] response;
            try (InputStream in = conn.getInputStream()) {
                response = readAll(in, deadlineNanos);
            }
            float[] scores;
            try {
                scores = parseScores(response, request.documents().size());
            } catch (IOException | RuntimeException e) {
                // IllegalArgumentException names the broken part; parser errors (bad JSON) come as the others.
                String what = e instanceof IllegalArgumentException && e instanceof XContentParseException == false
                    ? e.getMessage()
                    : "not valid JSON (" + e.getMessage() + ")";
                throw StrataFailure.service(base, "invalid response: " + what, StrataFailure.Reason.BAD_RESPONSE);
            }
            ok = true;
            return scores;
        } catch (SocketTimeoutException e) {
            throw timedOut(base, started);
        } catch (ResponseTooLarge e) {
            throw StrataFailure.service(base, "invalid response: " + e.getMessage(), StrataFailure.Reason.BAD_RESPONSE);
        } catch (IOException e) {
            if (cut.get() || System.nanoTime() - deadlineNanos >= 0) {
                throw timedOut(base, started);
            }
            throw StrataFailure.service(base, describe(e), StrataFailure.Reason.CONNECTION_ERROR);
        } finally {
            cancelWatchdog.run();
            if (ok == false) {
                // A half-read connection must not go back to the keep-alive pool.
                conn.disconnect();
            }
        }
    }

    /** The exact request body: {"query", "documents": [{"id", field: text...}], "head", "rank_fields", "return_documents": false}. */
    static byte[] toJson(RerankRequest request) {
        try (XContentBuilder b = XContentFactory.jsonBuilder()) {
            b.startObject();
            b.field("query", request.query());
            b.startArray("documents");
            for (RerankDocument doc : request.documents()) {
                b.startObject();
                b.field("id", doc.id());
                for (Map.Entry<String, String> field : doc.fields().entrySet()) {
                    b.field(field.getKey(), field.getValue());
                }
                b.endObject();
            }
            b.endArray();
            b.field("head", request.head());
            b.stringListField("rank_fields", request.rankFields());
            b.field("return_documents", false);
            b.endObject();
            return BytesReference.toBytes(BytesReference.bytes(b));
        } catch (IOException e) {
            throw new IllegalStateException("could not write the rerank request", e);
        }
    }

    /**
     * Reads {"results": [{"index": i, "relevance_score": s}, ...]} into one score per document. Every index in
     * [0, documentCount) must appear exactly once; other keys are ignored.
     *
     * @throws IllegalArgumentException naming what is wrong with the answer
     */
    static float[] parseScores(byte[] body, int documentCount) throws IOException {
        float[] scores = new float[documentCount];
        boolean[] seen = new boolean[documentCount];
        int seenCount = 0;
        boolean sawResults = false;
        try (XContentParser p = XContentType.JSON.xContent().createParser(XContentParserConfiguration.EMPTY, body)) {
            if (p.nextToken() != XContentParser.Token.START_OBJECT) {
                throw new IllegalArgumentException("expected a JSON object");
            }
            XContentParser.Token token;
            while ((token = p.nextToken()) == XContentParser.Token.FIELD_NAME) {
                String name = p.currentName();
                token = p.nextToken();
                if (name.equals("results") == false) {
                    p.skipChildren();
                    continue;
                }
                if (token != XContentParser.Token.START_ARRAY) {
                    throw new IllegalArgumentException("[results] must be an array");
                }
                sawResults = true;
                while ((token = p.nextToken()) != XContentParser.Token.END_ARRAY) {
                    if (token != XContentParser.Token.START_OBJECT) {
                        throw new IllegalArgumentException("each entry of [results] must be an object");
                    }
                    Integer index = null;
                    Double score = null;
                    while ((token = p.nextToken()) == XContentParser.Token.FIELD_NAME) {
                        String field = p.currentName();
                        token = p.nextToken();
                        if (field.equals("index")) {
                            if (token != XContentParser.Token.VALUE_NUMBER
                                || (p.numberType() != XContentParser.NumberType.INT && p.numberType() != XContentParser.NumberType.LONG)) {
                                throw new IllegalArgumentException("[index] must be an integer");
                            }
                            long value = p.longValue();
                            if (value < 0 || value >= documentCount) {
                                throw new IllegalArgumentException(
                                    "[index] " + value + " is out of range for " + documentCount + " documents"
                                );
                            }
                            index = (int) value;
                        } else if (field.equals("relevance_score")) {
                            if (token != XContentParser.Token.VALUE_NUMBER) {
                                throw new IllegalArgumentException("[relevance_score] must be a number");
                            }
                            score = p.doubleValue();
                        } else {
                            p.skipChildren();
                        }
                    }
                    if (index == null || score == null) {
                        throw new IllegalArgumentException("each entry of [results] needs [index] and [relevance_score]");
                    }
                    float value = score.floatValue();
                    if (Float.isFinite(value) == false) {
                        throw new IllegalArgumentException("[relevance_score] of index " + index + " is not a finite float");
                    }
                    if (seen[index]) {
                        throw new IllegalArgumentException("[index] " + index + " appears twice");
                    }
                    seen[index] = true;
                    seenCount++;
                    scores[index] = value;
                }
            }
            if (token != XContentParser.Token.END_OBJECT || p.nextToken() != null) {
                throw new IllegalArgumentException("trailing content after the JSON object");
            }
        }
        if (sawResults == false) {
            throw new IllegalArgumentException("no [results] array");
        }
        if (seenCount != documentCount) {
            throw new IllegalArgumentException(
                "[results] covers " + seenCount + " of " + documentCount + " documents (first missing index: " + firstMissing(seen) + ")"
            );
        }
        return scores;
    }

    private static int firstMissing(boolean[] seen) {
        for (int i = 0; i < seen.length; i++) {
            if (seen[i] == false) {
                return i;
            }
        }
        return -1;
    }

    /** Reads the body, stopping at the deadline even if the server keeps trickling bytes. */
    private static byte[] readAll(InputStream in, long deadlineNanos) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream(4096);
        byte[] chunk = new byte[8192];
        int n;
        while ((n = in.read(chunk)) != -1) {
            out.write(chunk, 0, n);
            if (out.size() > MAX_RESPONSE_BYTES) {
                throw new ResponseTooLarge("response larger than " + MAX_RESPONSE_BYTES + " bytes");
            }
            if (System.nanoTime() - deadlineNanos >= 0) {
                throw new SocketTimeoutException("deadline passed while reading the response");
            }
        }
        return out.toByteArray();
    }

    /** A body over {@link #MAX_RESPONSE_BYTES}: a bad answer, not a broken connection. */
    private static final class ResponseTooLarge extends IOException {
        private static final long serialVersionUID = 1L;

        ResponseTooLarge(String message) {
            super(message);
        }
    }

    private static String errorSnippet(HttpURLConnection conn) {
        try (InputStream err = conn.getErrorStream()) {
            if (err == null) {
                return "";
            }
            byte[] bytes = err.readNBytes(ERROR_SNIPPET_BYTES);
            return new String(bytes, StandardCharsets.UTF_8).replaceAll("\\s+", " ").trim();
        } catch (IOException e) {
            return "";
        }
    }

    private static StrataFailure timedOut(String base, long startedNanos) {
        long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startedNanos);
        return StrataFailure.service(base, "timed out: no complete answer within timeout_ms (HTTP call cut after " + ms + " ms)", StrataFailure.Reason.TIMEOUT);
    }

    static String describe(IOException e) {
        if (e instanceof ConnectException) {
            return "connection refused or unreachable (" + e.getMessage() + ")";
        }
        if (e instanceof UnknownHostException) {
            return "unknown host " + e.getMessage();
        }
        return e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage());
    }

    static long remainingMillis(long deadlineNanos) {
        long nanos = deadlineNanos - System.nanoTime();
        return nanos <= 0 ? 0 : Math.max(1, TimeUnit.NANOSECONDS.toMillis(nanos));
    }

    private static String trimSlash(String url) {
        return url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
    }
}

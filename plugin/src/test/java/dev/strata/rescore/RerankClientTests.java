package dev.strata.rescore;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;

import org.elasticsearch.xcontent.XContentParserConfiguration;
import org.elasticsearch.xcontent.XContentType;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The HTTP contract against a real (tiny) HTTP server. */
class RerankClientTests {
    private HttpServer server;
    private ScheduledExecutorService scheduler;

    /**
     * The first call in a JVM loads the JSON and HTTP classes (hundreds of ms on a busy machine); warm them up so
     * the timing tests measure the cut, not class loading.
     */
    @BeforeAll
    static void warmUp() throws Exception {
        HttpServer warm = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        warm.createContext("/", ex -> {
            ex.getRequestBody().readAllBytes();
            respond(ex, 200, "{\"results\": [{\"index\": 0, \"relevance_score\": 1}]}");
        });
        warm.start();
        try {
            String url = "http://127.0.0.1:" + warm.getAddress().getPort();
            new RerankClient(() -> url, () -> null, () -> Watchdog.NONE).rerank(request(1), deadlineIn(10_000));
        } finally {
            warm.stop(0);
        }
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.stop(0);
        }
        if (scheduler != null) {
            scheduler.shutdownNow();
        }
    }

    private String serve(HttpHandler handler) throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", ex -> {
            try {
                handler.handle(ex);
            } catch (Throwable t) {
                // Otherwise HttpServer leaves the exchange open and the client only sees a timeout.
                respond(ex, 599, "test handler failed: " + t);
            }
        });
        server.setExecutor(Executors.newCachedThreadPool());
        server.start();
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    private static void respond(HttpExchange ex, int status, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().add("Content-Type", "application/json");
        ex.sendResponseHeaders(status, bytes.length == 0 ? -1 : bytes.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(bytes);
        }
    }

    private static RerankRequest request(int n) {
        List<RerankDocument> docs = new java.util.ArrayList<>();
        for (int i = 0; i < n; i++) {
            docs.add(new RerankDocument("doc-" + i, Map.of("title", "Fridge " + i)));
        }
        return new RerankRequest("energy efficient fridge", "default", List.of("title"), docs, "products");
    }

    private static long deadlineIn(long millis) {
        return System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
    }

    private Watchdog realWatchdog() {
        scheduler = Executors.newSingleThreadScheduledExecutor();
        return (task, delay) -> {
            var f = scheduler.schedule(task, delay, TimeUnit.MILLISECONDS);
            return () -> f.cancel(false);
        };
    }

    @Test
    void sendsTheContractAndAppliesScoresByIndex() throws Exception {
        AtomicReference<Map<String, Object>> body = new AtomicReference<>();
        AtomicReference<String> auth = new AtomicReference<>();
        AtomicReference<String> contentType = new AtomicReference<>();
        AtomicReference<String> index = new AtomicReference<>();
        AtomicReference<String> method = new AtomicReference<>();
        AtomicReference<String> path = new AtomicReference<>();
        String url = serve(ex -> {
            method.set(ex.getRequestMethod());
            path.set(ex.getRequestURI().getPath());
            auth.set(ex.getRequestHeaders().getFirst("Authorization"));
            contentType.set(ex.getRequestHeaders().getFirst("Content-Type"));
            index.set(ex.getRequestHeaders().getFirst("X-Strata-Index"));
            try (var parser = XContentType.JSON.xContent().createParser(XContentParserConfiguration.EMPTY, ex.getRequestBody().readAllBytes())) {
                body.set(parser.map());
            }
            // Any order, extra keys ignored.
            respond(ex, 200, """
                {"id": "r1", "results": [
                  {"index": 2, "relevance_score": 0.9, "document": {"text": "x"}},
                  {"index": 0, "relevance_score": -1.5},
                  {"index": 1, "relevance_score": 0.25}
                ], "meta": {"head": "default"}}
                """);
        });
        RerankRequest request = new RerankRequest(
            "energy efficient fridge",
            "default",
            List.of("title", "description"),
            List.of(
                new RerankDocument("a", Map.of("title", "A", "description", "first")),
                new RerankDocument("b", Map.of("title", "B", "description", "")),
                new RerankDocument("c", Map.of("title", "C", "description", "third"))
            ),
            "products"
        );
        float[] scores = new RerankClient(() -> url + "/", () -> "sekret", () -> Watchdog.NONE).rerank(request, deadlineIn(10_000));

        assertArrayEquals(new float[] { -1.5f, 0.25f, 0.9f }, scores);
        assertEquals("POST", method.get());
        assertEquals("/v1/rerank", path.get());
        assertEquals("Bearer sekret", auth.get());
        assertEquals("application/json", contentType.get());
        assertEquals("products", index.get());
        Map<String, Object> sent = body.get();
        assertEquals("energy efficient fridge", sent.get("query"));
        assertEquals("default", sent.get("head"));
        assertEquals(List.of("title", "description"), sent.get("rank_fields"));
        assertEquals(false, sent.get("return_documents"));
        assertEquals(
            List.of(
                Map.of("id", "a", "title", "A", "description", "first"),
                Map.of("id", "b", "title", "B", "description", ""),
                Map.of("id", "c", "title", "C", "description", "third")
            ),
            sent.get("documents")
        );
        assertEquals(Map.of("query", 0, "documents", 1, "head", 2, "rank_fields", 3, "return_documents", 4).keySet(), sent.keySet());
    }

    @Test
    void noAuthorizationHeaderWithoutAKey() throws Exception {
        AtomicReference<String> auth = new AtomicReference<>("unset");
        String url = serve(ex -> {
            auth.set(ex.getRequestHeaders().getFirst("Authorization"));
            ex.getRequestBody().readAllBytes();
            respond(ex, 200, "{\"results\": [{\"index\": 0, \"relevance_score\": 1}]}");
        });
        float[] scores = new RerankClient(() -> url, () -> null, () -> Watchdog.NONE).rerank(request(1), deadlineIn(10_000));
        assertArrayEquals(new float[] { 1f }, scores);
        assertNull(auth.get());
    }

    private StrataFailure failWith(String url, int docs, long budgetMillis, Watchdog watchdog) {
        return assertThrows(
            StrataFailure.class,
            () -> new RerankClient(() -> url, () -> null, () -> watchdog).rerank(request(docs), deadlineIn(budgetMillis))
        );
    }

    private StrataFailure failWithBody(int status, String body, int docs) throws IOException {
        String url = serve(ex -> {
            ex.getRequestBody().readAllBytes();
            respond(ex, status, body);
        });
        StrataFailure f = failWith(url, docs, 10_000, Watchdog.NONE);
        assertTrue(f.getMessage().startsWith("strata rescorer: service at " + url + " failed: "), f.getMessage());
        assertFalse(f.isTimeout());
        assertEquals(StrataFailure.Reason.BAD_RESPONSE, f.reason(), f.getMessage());
        return f;
    }

    @Test
    void non200IsAFailureWithStatusAndSnippet() throws Exception {
        StrataFailure f = failWithBody(503, "{\"error\": {\"code\": \"pool_full\", \"message\": \"queue full\"}}", 1);
        assertTrue(f.getMessage().contains("HTTP 503 ({\"error\": {\"code\": \"pool_full\""), f.getMessage());
        stop();
        f = failWithBody(401, "", 1);
        assertTrue(f.getMessage().endsWith("failed: HTTP 401"), f.getMessage());
    }

    @Test
    void garbageIsAFailure() throws Exception {
        StrataFailure f = failWithBody(200, "<html>Bad Gateway</html>", 2);
        assertTrue(f.getMessage().contains("invalid response: not valid JSON"), f.getMessage());
        stop();
        f = failWithBody(200, "", 2);
        assertTrue(f.getMessage().contains("invalid response"), f.getMessage());
        stop();
        f = failWithBody(200, "{\"results\": [{\"index\": 0, \"relevance_score\": 1}", 1);
        assertTrue(f.getMessage().contains("invalid response"), f.getMessage());
    }

    @Test
    void incompleteOrInconsistentResultsAreFailures() throws Exception {
        Map<String, String> cases = Map.of(
            "{\"results\": [{\"index\": 0, \"relevance_score\": 1}]}",
            "[results] covers 1 of 2 documents (first missing index: 1)",
            "{\"results\": [{\"index\": 0, \"relevance_score\": 1}, {\"index\": 0, \"relevance_score\": 2}]}",
            "[index] 0 appears twice",
            "{\"results\": [{\"index\": 0, \"relevance_score\": 1}, {\"index\": 2, \"relevance_score\": 2}]}",
            "[index] 2 is out of range for 2 documents",
            "{\"results\": [{\"index\": 0.5, \"relevance_score\": 1}]}",
            "[index] must be an integer",
            "{\"results\": [{\"index\": 0, \"relevance_score\": \"high\"}]}",
            "[relevance_score] must be a number",
            "{\"results\": [{\"index\": 0, \"relevance_score\": 1e300}, {\"index\": 1, \"relevance_score\": 1}]}",
            "[relevance_score] of index 0 is not a finite float",
            "{\"data\": []}",
            "no [results] array",
            "{\"results\": {}}",
            "[results] must be an array",
            "{\"results\": [{\"index\": 1}]}",
            "each entry of [results] needs [index] and [relevance_score]",
            "[1, 2]",
            "expected a JSON object"
        );
        for (Map.Entry<String, String> c : cases.entrySet()) {
            IllegalArgumentException e = assertThrows(
                IllegalArgumentException.class,
                () -> RerankClient.parseScores(c.getKey().getBytes(StandardCharsets.UTF_8), 2),
                c.getKey()
            );
            assertEquals(c.getValue(), e.getMessage(), c.getKey());
        }
        StrataFailure f = failWithBody(200, "{\"results\": [{\"index\": 0, \"relevance_score\": 1}]}", 2);
        assertTrue(f.getMessage().endsWith("failed: invalid response: [results] covers 1 of 2 documents (first missing index: 1)"), f.getMessage());
    }

    @Test
    void slowAnswerIsCutAtTheTimeout() throws Exception {
        String url = serve(ex -> {
            ex.getRequestBody().readAllBytes();
            sleep(10_000);
            respond(ex, 200, "{\"results\": [{\"index\": 0, \"relevance_score\": 1}]}");
        });
        long start = System.nanoTime();
        StrataFailure f = failWith(url, 1, 250, Watchdog.NONE);
        long elapsed = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        assertTrue(f.isTimeout(), f.getMessage());
        assertTrue(f.getMessage().contains("failed: timed out"), f.getMessage());
        assertTrue(elapsed >= 200 && elapsed < 3000, "took " + elapsed + " ms (the server would answer after 10 s)");
    }

    @Test
    void tricklingAnswerIsCutAtTheDeadline() throws Exception {
        // Headers at once, then one byte every 50 ms: each read is quick, so only the deadline stops it.
        String url = serve(ex -> {
            ex.getRequestBody().readAllBytes();
            ex.sendResponseHeaders(200, 0);
            try (OutputStream out = ex.getResponseBody()) {
                for (int i = 0; i < 200; i++) {
                    out.write(' ');
                    out.flush();
                    sleep(50);
                }
            } catch (IOException ignored) {
                // the client hung up
            }
        });
        long start = System.nanoTime();
        StrataFailure f = failWith(url, 1, 300, realWatchdog());
        long elapsed = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        assertTrue(f.isTimeout(), f.getMessage());
        assertTrue(elapsed >= 250 && elapsed < 3000, "took " + elapsed + " ms (the server would answer after 10 s)");
    }

    @Test
    void stalledBodyIsCutByTheWatchdog() throws Exception {
        String url = serve(ex -> {
            ex.getRequestBody().readAllBytes();
            ex.sendResponseHeaders(200, 0);
            ex.getResponseBody().write('{');
            ex.getResponseBody().flush();
            sleep(10_000);
            ex.close();
        });
        long start = System.nanoTime();
        StrataFailure f = failWith(url, 1, 300, realWatchdog());
        long elapsed = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        assertTrue(f.isTimeout(), f.getMessage());
        assertTrue(elapsed >= 250 && elapsed < 3000, "took " + elapsed + " ms (the server would answer after 10 s)");
    }

    @Test
    void refusedConnectionIsAFailure() throws Exception {
        int port;
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = socket.getLocalPort();
        }
        String url = "http://127.0.0.1:" + port;
        long start = System.nanoTime();
        StrataFailure f = failWith(url, 1, 10_000, Watchdog.NONE);
        long elapsed = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        assertEquals(
            "strata rescorer: service at " + url + " failed: connection refused or unreachable (Connection refused)",
            f.getMessage()
        );
        assertFalse(f.isTimeout());
        assertEquals(StrataFailure.Reason.CONNECTION_ERROR, f.reason());
        assertTrue(elapsed < 3000, "took " + elapsed + " ms");
    }

    @Test
    void exhaustedBudgetFailsBeforeConnecting() {
        StrataFailure f = assertThrows(
            StrataFailure.class,
            () -> new RerankClient(() -> "http://127.0.0.1:9", () -> null, () -> Watchdog.NONE).rerank(request(1), System.nanoTime() - 1)
        );
        assertTrue(f.isTimeout());
        assertEquals(StrataFailure.Reason.TIMEOUT, f.reason());
        assertTrue(f.getMessage().contains("budget was used up before the request was sent"), f.getMessage());
    }

    @Test
    void requestBodyIsExactlyTheContract() {
        String json = new String(RerankClient.toJson(request(2)), StandardCharsets.UTF_8);
        assertEquals(
            "{\"query\":\"energy efficient fridge\",\"documents\":[{\"id\":\"doc-0\",\"title\":\"Fridge 0\"},"
                + "{\"id\":\"doc-1\",\"title\":\"Fridge 1\"}],\"head\":\"default\",\"rank_fields\":[\"title\"],\"return_documents\":false}",
            json
        );
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}

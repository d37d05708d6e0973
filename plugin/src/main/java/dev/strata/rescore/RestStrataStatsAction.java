package dev.strata.rescore;

import org.elasticsearch.client.internal.node.NodeClient;
import org.elasticsearch.rest.BaseRestHandler;
import org.elasticsearch.rest.RestRequest;
import org.elasticsearch.rest.RestResponse;
import org.elasticsearch.rest.RestStatus;
import org.elasticsearch.xcontent.XContentBuilder;

import java.util.List;

/**
 * {@code GET _strata/stats}: the rescorer counters of the node that answers (see {@link StrataStats}).
 *
 * <pre>
 * GET _strata/stats
 * { "node": "node-1", "service_url": "http://strata:8787", "rescored_windows": 120, "rescored_documents": 12000,
 *   "fallbacks": { "timeout": 3, "connection_error": 0, "bad_response": 0, "local_error": 0, "total": 3 },
 *   "errors": { ..., "total": 0 },
 *   "last_failure": { "reason": "timeout", "message": "strata rescorer: service at ... failed: timed out: ...",
 *                     "on_failure": "keep_order", "timestamp": "2025-...Z", "timestamp_millis": 1760000000000 } }
 * </pre>
 *
 * Rescoring runs on the nodes that hold the shards, so on a cluster of several nodes ask each data node (its own
 * HTTP address); the counters are per node and start at zero when the node starts.
 */
public final class RestStrataStatsAction extends BaseRestHandler {
    private final String nodeName;
    private final StrataRuntime runtime;

    public RestStrataStatsAction(String nodeName, StrataRuntime runtime) {
        this.nodeName = nodeName;
        this.runtime = runtime;
    }

    @Override
    public String getName() {
        return "strata_stats_action";
    }

    @Override
    public List<Route> routes() {
        return List.of(new Route(RestRequest.Method.GET, "/_strata/stats"));
    }

    @Override
    protected RestChannelConsumer prepareRequest(RestRequest request, NodeClient client) {
        return channel -> {
            XContentBuilder b = channel.newBuilder();
            b.startObject();
            b.field("node", nodeName);
            b.field("service_url", runtime.url());
            runtime.stats().writeFields(b);
            b.endObject();
            channel.sendResponse(new RestResponse(RestStatus.OK, b));
        };
    }
}

package dev.strata.rescore;

import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.elasticsearch.cluster.node.DiscoveryNodes;
import org.elasticsearch.common.settings.ClusterSettings;
import org.elasticsearch.common.settings.Setting;
import org.elasticsearch.common.settings.Settings;
import org.elasticsearch.core.TimeValue;
import org.elasticsearch.features.NodeFeature;
import org.elasticsearch.node.Node;
import org.elasticsearch.plugins.ActionPlugin;
import org.elasticsearch.plugins.Plugin;
import org.elasticsearch.plugins.ReloadablePlugin;
import org.elasticsearch.plugins.SearchPlugin;
import org.elasticsearch.rest.RestHandler;
import org.elasticsearch.threadpool.Scheduler;
import org.elasticsearch.threadpool.ThreadPool;

import java.util.Collection;
import java.util.List;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * Registers the {@code strata} rescorer, its settings and {@code GET _strata/stats} (the rescorer's counters).
 *
 * <pre>
 * POST products/_search
 * { "query": { "match": { "title": "refrigerator" } },
 *   "rescore": { "window_size": 100, "strata": { "query": "energy efficient refrigerator" } } }
 * </pre>
 */
public class StrataPlugin extends Plugin implements SearchPlugin, ActionPlugin, ReloadablePlugin {
    private static final Logger LOGGER = LogManager.getLogger(StrataPlugin.class);

    private final StrataRuntime runtime = new StrataRuntime();

    @Override
    public List<Setting<?>> getSettings() {
        return List.of(StrataSettings.SERVICE_URL, StrataSettings.SERVICE_API_KEY);
    }

    @Override
    public Collection<?> createComponents(PluginServices services) {
        ClusterSettings clusterSettings = services.clusterService().getClusterSettings();
        runtime.setUrl(clusterSettings.get(StrataSettings.SERVICE_URL));
        clusterSettings.addSettingsUpdateConsumer(StrataSettings.SERVICE_URL, url -> {
            LOGGER.info("strata rescorer: service URL is now [{}]", url);
            runtime.setUrl(url);
        });
        // The keystore is open while the node is being built; later changes arrive through reload().
        runtime.setApiKey(StrataSettings.apiKey(services.environment().settings()));

        ThreadPool threadPool = services.threadPool();
        runtime.setWatchdog((task, delayMillis) -> {
            Scheduler.ScheduledCancellable scheduled = threadPool.schedule(
                task,
                TimeValue.timeValueMillis(delayMillis),
                threadPool.generic()
            );
            return scheduled::cancel;
        });
        LOGGER.info(
            "strata rescorer: service URL [{}], API key {}",
            runtime.url(),
            runtime.apiKey() == null ? "not configured" : "configured"
        );
        return List.of();
    }

    @Override
    public void reload(Settings settings) {
        runtime.setApiKey(StrataSettings.apiKey(settings));
        LOGGER.info("strata rescorer: API key reloaded ({})", runtime.apiKey() == null ? "not configured" : "configured");
    }

    @Override
    public List<RescorerSpec<?>> getRescorers() {
        return List.of(
            new RescorerSpec<>(
                StrataRescorerBuilder.NAME,
                in -> new StrataRescorerBuilder(in, runtime),
                parser -> StrataRescorerBuilder.fromXContent(parser, runtime)
            )
        );
    }

    @Override
    public Collection<RestHandler> getRestHandlers(
        RestHandlersServices services,
        Supplier<DiscoveryNodes> nodesInCluster,
        Predicate<NodeFeature> clusterSupportsFeature
    ) {
        return List.of(new RestStrataStatsAction(Node.NODE_NAME_SETTING.get(services.settings()), runtime));
    }

    StrataRuntime runtime() {
        return runtime;
    }
}

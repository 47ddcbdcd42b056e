import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.apache.solr.client.solrj.request.CollectionAdminRequest;
import org.apache.solr.cloud.MiniSolrCloudCluster;
import org.apache.solr.embedded.JettySolrRunner;

/**
 * A development and test SolrCloud: N Jetty nodes and an embedded ZooKeeper in
 * this JVM, all on free ports of 127.0.0.1, with one collection created from
 * the configset kept in the repository.
 *
 * <pre>
 * java -cp 'target/launcher.jar:target/lib/*' Launcher --configset DIR --info FILE
 *      [--collection commentary] [--nodes 2] [--shards 2] [--replicas 2]
 *      [--timeout 300] [--stop-on-eof false]
 * </pre>
 *
 * When the collection is active it writes the node URLs and ZooKeeper's address
 * as JSON to FILE (written to a temporary name and renamed, so a reader never
 * sees half of it) and prints {@code solr://127.0.0.1:PORT/solr/COLLECTION} as
 * the first line of standard output.  Everything else (logs, Solr's own
 * output) goes to standard error.
 *
 * It runs until SIGTERM or SIGINT (a shutdown hook stops the cluster and
 * deletes its temporary folder) or until "quit" on standard input.  For fault
 * tests, standard input also takes "stop I" and "start I" (I the 0-based node
 * number): the node stops, or starts again on the same port and waits until
 * the collection is active; each command is answered with one line on
 * standard output, "ok ..." or "error ...".  End of input stops the cluster
 * with "--stop-on-eof true" (so it dies with the program that started it);
 * otherwise the cluster keeps running.
 */
public final class Launcher {

  private static final PrintStream OUT = System.out;

  /** Set by the shutdown hook: errors after it are the shutdown's doing, not news. */
  private static volatile boolean shuttingDown;

  private Launcher() {}

  public static void main(String[] args) throws Exception {
    // Before anything touches Log4j or Solr: quiet logs to stderr, no trace
    // ids (their set-up asks LuceneTestCase for randomness), relaxed fsync.
    setDefault("log4j2.configurationFile", "commentary-launcher-log4j2.xml");
    setDefault("solr.alwaysOnTraceId", "false");
    setDefault("zookeeper.forceSync", "no");
    setDefault("solr.log.dir", System.getProperty("java.io.tmpdir"));
    // Jersey logs through java.util.logging, past Log4j's configuration.
    java.util.logging.Logger.getLogger("").setLevel(java.util.logging.Level.SEVERE);
    // Whatever Solr or ZooKeeper print must not get ahead of our first line.
    System.setOut(System.err);

    Options options;
    try {
      options = Options.parse(args);
    } catch (IllegalArgumentException e) {
      System.err.println("launcher: " + e.getMessage());
      System.exit(2);
      return;
    }

    Path baseDir = Files.createTempDirectory("commentary-solrcloud-");
    CountDownLatch stopped = new CountDownLatch(1);
    Holder holder = new Holder();
    Thread hook = new Thread(() -> {
      shuttingDown = true;
      // A stop during start-up makes every half-created core log a stack trace.
      org.apache.logging.log4j.core.config.Configurator.setRootLevel(org.apache.logging.log4j.Level.OFF);
      org.apache.logging.log4j.core.config.Configurator.setAllLevels("org.apache", org.apache.logging.log4j.Level.OFF);
      shutdown(holder.cluster, baseDir);
      stopped.countDown();
    }, "commentary-launcher-shutdown");
    Runtime.getRuntime().addShutdownHook(hook);

    try {
      holder.cluster = new MiniSolrCloudCluster.Builder(options.nodes, baseDir)
          .addConfig(options.collection, options.configset.resolve("conf"))
          .withJettyConfig(jetty -> jetty.stopAtShutdown(false))
          .withTraceIdGenerationDisabled()
          .build();
      MiniSolrCloudCluster cluster = holder.cluster;
      CollectionAdminRequest.createCollection(options.collection, options.collection, options.shards, options.replicas)
          .process(cluster.getSolrClient());
      cluster.waitForActiveCollection(options.collection, options.timeout, TimeUnit.SECONDS,
          options.shards, options.shards * options.replicas);
      writeInfo(options, cluster);
      JettySolrRunner first = cluster.getJettySolrRunners().get(0);
      OUT.println("solr://127.0.0.1:" + first.getLocalPort() + "/solr/" + options.collection);
      OUT.flush();
    } catch (Exception e) {
      if (!shuttingDown) {
        System.err.println("launcher: the cluster did not start: " + e);
      }
      System.exit(1);  // runs the hook: stops what started, deletes the folder
      return;
    }

    readCommands(holder.cluster, options);
    if (options.stopOnEof) {
      // Whoever started us has gone (even if it was killed): do not linger.
      System.exit(0);
    }
    // Standard input ended: keep running until a signal arrives.
    stopped.await();
  }

  private static final class Holder {
    volatile MiniSolrCloudCluster cluster;
  }

  private static void setDefault(String key, String value) {
    if (System.getProperty(key) == null) {
      System.setProperty(key, value);
    }
  }

  /** The commands of the fault tests, one a line, until "quit" or end of input. */
  private static void readCommands(MiniSolrCloudCluster cluster, Options options) throws IOException {
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    String line;
    while ((line = in.readLine()) != null) {
      String[] words = line.trim().split("\\s+");
      if (words.length == 0 || words[0].isEmpty()) {
        continue;
      }
      if (words[0].equals("quit")) {
        System.exit(0);
      }
      answer(runCommand(cluster, options, words));
    }
  }

  private static String runCommand(MiniSolrCloudCluster cluster, Options options, String[] words) {
    if (words.length != 2 || !(words[0].equals("stop") || words[0].equals("start"))) {
      return "error unknown command; use: stop I | start I | quit";
    }
    List<JettySolrRunner> nodes = cluster.getJettySolrRunners();
    int index;
    try {
      index = Integer.parseInt(words[1]);
    } catch (NumberFormatException e) {
      return "error node number expected, got " + words[1];
    }
    if (index < 0 || index >= nodes.size()) {
      return "error no node " + index + "; nodes are 0.." + (nodes.size() - 1);
    }
    JettySolrRunner node = nodes.get(index);
    try {
      if (words[0].equals("stop")) {
        if (node.isRunning()) {
          node.stop();
          cluster.waitForJettyToStop(node);
        }
        return "ok stopped " + index;
      }
      if (!node.isRunning()) {
        node.start(true);  // the same port, so its URL stays valid
        cluster.waitForNode(node, (int) options.timeout);
      }
      cluster.waitForActiveCollection(options.collection, options.timeout, TimeUnit.SECONDS,
          options.shards, options.shards * options.replicas);
      return "ok started " + index + " " + node.getBaseUrl();
    } catch (Exception e) {
      return "error " + words[0] + " " + index + ": " + e;
    }
  }

  private static void answer(String line) {
    OUT.println(line.replace('\n', ' '));
    OUT.flush();
  }

  private static void writeInfo(Options options, MiniSolrCloudCluster cluster) throws IOException {
    List<String> urls = new ArrayList<>();
    for (JettySolrRunner node : cluster.getJettySolrRunners()) {
      urls.add(quote(node.getBaseUrl().toString()));
    }
    String json = "{\"collection\": " + quote(options.collection)
        + ", \"nodes\": [" + String.join(", ", urls) + "]"
        + ", \"zk\": " + quote(cluster.getZkServer().getZkAddress())
        + ", \"shards\": " + options.shards
        + ", \"replicas\": " + options.replicas
        + ", \"pid\": " + ProcessHandle.current().pid()
        + ", \"base_dir\": " + quote(cluster.getBaseDir().toString()) + "}\n";
    Path target = options.info.toAbsolutePath();
    Path partial = target.resolveSibling(target.getFileName() + ".partial");
    Files.writeString(partial, json, StandardCharsets.UTF_8);
    Files.move(partial, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }

  private static String quote(String text) {
    StringBuilder out = new StringBuilder("\"");
    for (char c : text.toCharArray()) {
      if (c == '"' || c == '\\') {
        out.append('\\').append(c);
      } else if (c < 0x20) {
        out.append(String.format("\\u%04x", (int) c));
      } else {
        out.append(c);
      }
    }
    return out.append('"').toString();
  }

  private static void shutdown(MiniSolrCloudCluster cluster, Path baseDir) {
    if (cluster != null) {
      try {
        cluster.shutdown();
      } catch (Exception e) {
        System.err.println("launcher: error while stopping the cluster: " + e);
      }
    }
    try (Stream<Path> paths = Files.walk(baseDir)) {
      paths.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
    } catch (IOException e) {
      System.err.println("launcher: could not delete " + baseDir + ": " + e);
    }
  }

  /** The command line: every option has a default but the configset and the info file. */
  private static final class Options {
    Path configset;
    Path info;
    String collection = "commentary";
    int nodes = 2;
    int shards = 2;
    int replicas = 2;
    long timeout = 300;
    boolean stopOnEof = false;

    static Options parse(String[] args) {
      Options o = new Options();
      for (int i = 0; i < args.length; i += 2) {
        if (i + 1 >= args.length) {
          throw new IllegalArgumentException(args[i] + " needs a value");
        }
        String value = args[i + 1];
        switch (args[i]) {
          case "--configset": o.configset = Paths.get(value); break;
          case "--info": o.info = Paths.get(value); break;
          case "--collection": o.collection = value; break;
          case "--nodes": o.nodes = positive(args[i], value); break;
          case "--shards": o.shards = positive(args[i], value); break;
          case "--replicas": o.replicas = positive(args[i], value); break;
          case "--timeout": o.timeout = positive(args[i], value); break;
          case "--stop-on-eof": o.stopOnEof = bool(args[i], value); break;
          default: throw new IllegalArgumentException("unknown option " + args[i]);
        }
      }
      if (o.configset == null || !Files.isRegularFile(o.configset.resolve("conf/solrconfig.xml"))) {
        throw new IllegalArgumentException("--configset DIR is needed, a folder holding conf/solrconfig.xml");
      }
      if (o.info == null) {
        throw new IllegalArgumentException("--info FILE is needed (where to write the node URLs)");
      }
      return o;
    }

    private static boolean bool(String name, String value) {
      if (value.equals("true") || value.equals("false")) {
        return value.equals("true");
      }
      throw new IllegalArgumentException(name + " takes true or false, not " + value);
    }

    private static int positive(String name, String value) {
      try {
        int n = Integer.parseInt(value);
        if (n > 0) {
          return n;
        }
      } catch (NumberFormatException e) {
        // reported below
      }
      throw new IllegalArgumentException(name + " takes a positive whole number, not " + value);
    }
  }
}

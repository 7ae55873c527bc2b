/*
 * A Kafka-protocol broker for the tests: librdkafka's mock cluster (rdkafka_mock.h) on loopback.
 *
 *   kafka-mock-cluster <brokers> [topic:partitions ...]
 *
 * Creates the cluster, creates the named topics (the mock refuses the CreateTopics admin API),
 * prints "bootstrap <host:port,...>" on one line and serves until SIGTERM/SIGINT or until its
 * standard input closes (so it never outlives the test that spawned it). Lines on standard
 * input: "down" stops every broker (connections closed and refused), "up" brings them back;
 * each is answered "ok down" / "ok up" once done. Built by test/support/kafka-mock-cluster.ts.
 */
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static volatile sig_atomic_t stop = 0;

static void on_signal(int sig) {
  (void)sig;
  stop = 1;
}

int main(int argc, char **argv) {
  char errstr[512];
  int brokers = argc > 1 ? atoi(argv[1]) : 1;
  if (brokers < 1) brokers = 1;

  rd_kafka_conf_t *conf = rd_kafka_conf_new();
  /* Quiet: the handle has no bootstrap servers of its own, which librdkafka would warn about. */
  rd_kafka_conf_set(conf, "log_level", "3", errstr, sizeof(errstr));
  /* The handle only hosts the cluster; it connects nowhere itself. */
  rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof(errstr));
  if (!rk) {
    fprintf(stderr, "rd_kafka_new: %s\n", errstr);
    return 1;
  }
  rd_kafka_mock_cluster_t *cluster = rd_kafka_mock_cluster_new(rk, brokers);
  if (!cluster) {
    fprintf(stderr, "rd_kafka_mock_cluster_new failed\n");
    return 1;
  }
  for (int i = 2; i < argc; i++) {
    char topic[256];
    int partitions = 1;
    const char *colon = strrchr(argv[i], ':');
    size_t len = colon ? (size_t)(colon - argv[i]) : strlen(argv[i]);
    if (len == 0 || len >= sizeof(topic)) {
      fprintf(stderr, "bad topic argument: %s\n", argv[i]);
      return 2;
    }
    memcpy(topic, argv[i], len);
    topic[len] = '\0';
    if (colon) partitions = atoi(colon + 1);
    if (partitions < 1) partitions = 1;
    rd_kafka_resp_err_t err = rd_kafka_mock_topic_create(cluster, topic, partitions, 1);
    if (err) {
      fprintf(stderr, "topic %s: %s\n", topic, rd_kafka_err2str(err));
      return 1;
    }
  }

  /* No SA_RESTART: a signal interrupts the blocking read of standard input. */
  struct sigaction action;
  memset(&action, 0, sizeof(action));
  action.sa_handler = on_signal;
  sigaction(SIGTERM, &action, NULL);
  sigaction(SIGINT, &action, NULL);
  printf("bootstrap %s\n", rd_kafka_mock_cluster_bootstraps(cluster));
  fflush(stdout);

  char line[64];
  while (!stop && fgets(line, sizeof(line), stdin)) {
    if (strncmp(line, "down", 4) == 0) {
      rd_kafka_mock_broker_set_down(cluster, -1);
      printf("ok down\n");
    } else if (strncmp(line, "up", 2) == 0) {
      rd_kafka_mock_broker_set_up(cluster, -1);
      printf("ok up\n");
    } else {
      printf("unknown command\n");
    }
    fflush(stdout);
  }

  rd_kafka_mock_cluster_destroy(cluster);
  rd_kafka_destroy(rk);
  return 0;
}

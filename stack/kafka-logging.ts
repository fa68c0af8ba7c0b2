// Kafka 4 logs through slf4j 1.7 into Log4j 2 (log4j-slf4j-impl), so its configuration is a Log4j 2
// properties file passed with -Dlog4j2.configurationFile. Kafka logs a dozen INFO lines per
// partition it creates and tests create many: warnings only, plus the lines that say a server
// started and stopped.

/** The JVM system property that points Log4j 2 at its configuration file. */
export const LOG4J2_CONFIG_PROPERTY = 'log4j2.configurationFile';

const DEFAULT_INFO_LOGGERS = ['kafka.server.KafkaRaftServer', 'kafka.server.BrokerServer', 'kafka.server.ControllerServer'];

/** A Log4j 2 properties file: WARN to stdout, INFO for the given loggers. */
export function kafkaLog4j2Config(infoLoggers: readonly string[] = DEFAULT_INFO_LOGGERS): string {
  const lines = [
    'status = warn',
    'appender.stdout.type = Console',
    'appender.stdout.name = STDOUT',
    'appender.stdout.layout.type = PatternLayout',
    'appender.stdout.layout.pattern = [%d] %p %m (%c)%n',
    'rootLogger.level = WARN',
    'rootLogger.appenderRef.stdout.ref = STDOUT',
  ];
  infoLoggers.forEach((name, i) => {
    lines.push(`logger.info${i}.name = ${name}`, `logger.info${i}.level = INFO`);
  });
  return lines.join('\n') + '\n';
}

/** The -D flag that hands the broker (or a Kafka tool) its Log4j 2 file. */
export function log4j2Flag(file: string): string {
  return `-D${LOG4J2_CONFIG_PROPERTY}=file:${file}`;
}

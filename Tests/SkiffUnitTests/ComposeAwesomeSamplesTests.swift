import Foundation
import SkiffKit
import Testing

/// Compose files of docker/awesome-compose, as the repository has them (every key as written; the
/// Dockerfiles, secret and env files they name stand in as minimal files): each loads as
/// `docker compose config` loads it — or is refused where Docker Compose refuses it too (a service
/// that depends on one spelled with another case, a key written twice). No root, no containers.
@Suite("awesome-compose files load as Docker Compose loads them")
struct ComposeAwesomeSamplesTests {
    struct Row: Sendable, CustomStringConvertible {
        var name: String
        /// The `-f` files, in order.
        var files: [String]
        /// Every file of the sample directory (path → text).
        var texts: [String: String]
        /// Part of the error Docker Compose gives too; nil: it loads, without a warning.
        var error: String?
        var description: String { name }
    }

    static let rows: [Row] = [
        Row(
            name: "alfresco", files: ["compose.yaml"],
            texts: [
                "compose.yaml": #"""
                services:

                  postgres:
                    image: postgres:15.7
                    environment:
                      POSTGRES_PASSWORD: alfresco
                      POSTGRES_USER: alfresco
                      POSTGRES_DB: alfresco
                      PGUSER: alfresco
                    command: postgres -c max_connections=300 -c log_min_messages=LOG
                    healthcheck:
                      test: ["CMD", "pg_isready"]
                      interval: 10s
                      timeout: 5s
                      retries: 5
                    volumes:
                      - postgres-data:/var/lib/postgresql/data

                  activemq:
                    image: docker.io/alfresco/alfresco-activemq:5.18-jre17-rockylinux8
                    environment:
                      ACTIVEMQ_ADMIN_LOGIN: admin
                      ACTIVEMQ_ADMIN_PASSWORD: admin
                    healthcheck:
                      test: ["CMD", "curl", "-f", "--user", "admin:admin", "http://localhost:8161/admin"]
                      interval: 10s
                      timeout: 5s
                      retries: 5
                    volumes:
                      - activemq-data:/opt/activemq/data

                  transform-core-aio:
                    image: docker.io/alfresco/alfresco-transform-core-aio:5.1.2
                    environment:
                      ACTIVEMQ_URL: nio://activemq:61616
                      ACTIVEMQ_USER: admin
                      ACTIVEMQ_PASSWORD: admin
                      JAVA_OPTS: >-
                        -Dserver.tomcat.threads.min=4        
                        -Dserver.tomcat.threads.max=12
                        -XX:MinRAMPercentage=50
                        -XX:MaxRAMPercentage=80
                    healthcheck:
                      test: ["CMD", "curl", "-f", "http://localhost:8090/actuator/health"]
                      interval: 30s
                      timeout: 10s
                      retries: 3
                    depends_on: 
                      activemq:
                        condition: service_healthy

                  alfresco:
                    image: docker.io/alfresco/alfresco-content-repository-community:23.2.1
                    environment:
                      JAVA_TOOL_OPTIONS: >-
                        -Dencryption.keystore.type=JCEKS
                        -Dencryption.cipherAlgorithm=DESede/CBC/PKCS5Padding
                        -Dencryption.keyAlgorithm=DESede
                        -Dencryption.keystore.location=/usr/local/tomcat/shared/classes/alfresco/extension/keystore/keystore
                        -Dmetadata-keystore.password=mp6yc0UD9e
                        -Dmetadata-keystore.aliases=metadata
                        -Dmetadata-keystore.metadata.password=oKIWzVdEdA
                        -Dmetadata-keystore.metadata.algorithm=DESede
                      JAVA_OPTS: >-
                        -Ddb.driver=org.postgresql.Driver
                        -Ddb.url=jdbc:postgresql://postgres:5432/alfresco
                        -Dsolr.host=solr6
                        -Dsolr.secureComms=secret
                        -Dsolr.sharedSecret=secret
                        -Dindex.subsystem.name=solr6
                        -Dcsrf.filter.enabled=false
                        -Dmessaging.broker.url="failover:(nio://activemq:61616)?timeout=3000&jms.useCompression=true"
                        -DlocalTransform.core-aio.url=http://transform-core-aio:8090/
                        -Ddeployment.method=DOCKER_COMPOSE
                        -XX:MinRAMPercentage=50
                        -XX:MaxRAMPercentage=80
                    healthcheck:
                      test: ["CMD", "curl", "-f", "http://localhost:8080/alfresco/api/-default-/public/alfresco/versions/1/probes/-ready-"]
                      interval: 30s
                      timeout: 3s
                      retries: 3
                      start_period: 1m
                    depends_on: 
                      postgres:
                        condition: service_healthy
                      activemq:
                        condition: service_healthy
                      transform-core-aio:
                        condition: service_healthy
                    volumes:
                      - alf-repo-data:/usr/local/tomcat/alf_data

                  solr6:
                    image: docker.io/alfresco/alfresco-search-services:2.0.10
                    environment:
                      SOLR_ALFRESCO_HOST: "alfresco"
                      SOLR_ALFRESCO_PORT: "8080"
                      SOLR_SOLR_HOST: "solr6"
                      SOLR_SOLR_PORT: "8983"
                      SOLR_CREATE_ALFRESCO_DEFAULTS: "alfresco"
                      ALFRESCO_SECURE_COMMS: "secret"
                      JAVA_TOOL_OPTIONS: >-
                        -Dalfresco.secureComms.secret=secret
                    depends_on:
                      alfresco:
                        condition: service_healthy
                    volumes:
                      - solr-data:/opt/alfresco-search-services/data

                  share:
                    image: docker.io/alfresco/alfresco-share:23.2.1
                    environment:
                      REPO_HOST: "alfresco"
                      REPO_PORT: "8080"
                      JAVA_OPTS: >-
                        -XX:MinRAMPercentage=50
                        -XX:MaxRAMPercentage=80
                        -Dalfresco.host=localhost
                        -Dalfresco.port=8080
                        -Dalfresco.context=alfresco
                        -Dalfresco.protocol=http
                    depends_on: 
                      alfresco:
                        condition: service_healthy

                  content-app:
                    image: docker.io/alfresco/alfresco-content-app:4.4.1
                    environment:
                      APP_BASE_SHARE_URL: "http://localhost:8080/aca/#/preview/s"
                    depends_on: 
                      alfresco:
                        condition: service_healthy

                  control-center:
                    image: quay.io/alfresco/alfresco-control-center:8.4.1
                    environment:
                      APP_CONFIG_PROVIDER: "ECM"
                      APP_CONFIG_AUTH_TYPE: "BASIC"
                      BASE_PATH: ./
                    depends_on: 
                      alfresco:
                        condition: service_healthy

                  proxy:
                    image: docker.io/alfresco/alfresco-acs-nginx:3.4.2
                    environment:
                      DISABLE_PROMETHEUS: "true"
                      DISABLE_SYNCSERVICE: "true"
                      DISABLE_ADW: "true"
                      ENABLE_CONTENT_APP: "true"
                    depends_on:
                      share:
                        condition: service_started
                      content-app:
                        condition: service_started
                      control-center:
                        condition: service_started
                      alfresco:
                        condition: service_started
                    ports:
                      - "8080:8080"

                volumes:
                  activemq-data:
                  postgres-data:
                  alf-repo-data:
                  solr-data:

                """#
            ]),
        Row(
            name: "bunkerweb-mariadb", files: ["compose.yaml"],
            texts: [
                "compose.yaml": #"""
                x-bw-env:
                  &bw-env # We use an anchor to avoid repeating the same settings for both services
                  API_WHITELIST_IP: "127.0.0.0/8 10.20.30.0/24" # Make sure to set the correct IP range so the scheduler can send the configuration to the instance
                  # Optional: set an API token and mirror it in both containers
                  API_TOKEN: ""

                  DATABASE_URI: "mariadb+pymysql://bunkerweb:changeme@bw-db:3306/db" # Remember to set a stronger password for the database
                services:
                  bunkerweb:
                    # This is the name that will be used to identify the instance in the Scheduler
                    image: bunkerity/bunkerweb:1.6.7
                    ports:
                      - "80:8080/tcp"
                      - "443:8443/tcp"
                      - "443:8443/udp" # For QUIC / HTTP3 support
                    environment:
                      <<: *bw-env # We use the anchor to avoid repeating the same settings for all services
                    restart: "unless-stopped"
                    networks:
                      - bw-universe
                      - bw-services

                  bw-scheduler:
                    image: bunkerity/bunkerweb-scheduler:1.6.7
                    environment:
                      <<: *bw-env
                      BUNKERWEB_INSTANCES: "bunkerweb" # Make sure to set the correct instance name
                      SERVER_NAME: ""
                      MULTISITE: "yes"
                      UI_HOST: "http://bw-ui:7000" # Change it if needed
                      USE_REDIS: "yes"
                      REDIS_HOST: "valkey"
                    volumes:
                      - bw-storage:/data # This is used to persist the cache and other data like the backups
                    restart: "unless-stopped"
                    networks:
                      - bw-universe
                      - bw-db

                  bw-ui:
                    image: bunkerity/bunkerweb-ui:1.6.7
                    environment:
                      <<: *bw-env
                    restart: "unless-stopped"
                    networks:
                      - bw-universe
                      - bw-db

                  bw-db:
                    image: mariadb:11
                    # We set the max allowed packet size to avoid issues with large queries
                    command: --max-allowed-packet=67108864
                    environment:
                      MYSQL_RANDOM_ROOT_PASSWORD: "yes"
                      MYSQL_DATABASE: "db"
                      MYSQL_USER: "bunkerweb"
                      MYSQL_PASSWORD: "changeme" # Remember to set a stronger password for the database
                    volumes:
                      - bw-data:/var/lib/mysql
                    restart: "unless-stopped"
                    networks:
                      - bw-db

                  valkey: # Valkey service for the persistence of reports/bans/stats
                    image: valkey/valkey:9-alpine
                    command: >
                      valkey-server
                      --maxmemory 256mb
                      --maxmemory-policy allkeys-lru
                      --save 60 1000
                      --appendonly yes
                    healthcheck:
                      test: ["CMD-SHELL", "valkey-cli ping | grep PONG"]
                      interval: 30s
                      timeout: 10s
                      retries: 5
                    sysctls:
                      - net.core.somaxconn=1024
                    volumes:
                      - valkey-data:/data
                    restart: "unless-stopped"
                    networks:
                      - bw-universe

                  app:
                    image: bunkerity/bunkerweb-hello:v1.0
                    networks:
                      - bw-services
                    restart: "unless-stopped"

                volumes:
                  bw-data:
                  bw-storage:
                  valkey-data:

                networks:
                  bw-universe:
                    name: bw-universe
                    ipam:
                      driver: default
                      config:
                        - subnet: 10.20.30.0/24 # Make sure to set the correct IP range so the scheduler can send the configuration to the instance
                  bw-services:
                    name: bw-services
                  bw-db:
                    name: bw-db

                """#
            ]),
        Row(
            name: "graylog", files: ["compose.yaml"],
            texts: [
                "compose.yaml": #"""
                version: '3'

                networks:
                  graynet:
                    driver: bridge

                # This is how you persist data between container restarts
                volumes:
                  mongo_data:
                    driver: local
                  log_data:
                    driver: local
                  graylog_data:
                    driver: local

                services:
                  # The configuration is stored in MongoDB
                  mongo:
                    image: mongo:6.0.5-jammy
                    container_name: mongodb
                    volumes:
                      - "mongo_data:/data/db"
                    networks:
                      - graynet
                    restart: unless-stopped

                  # The logs are stored in Opensearch
                  opensearch:
                    image: opensearchproject/opensearch:2
                    container_name: opensearch
                    environment:
                      - "OPENSEARCH_JAVA_OPTS=-Xms1g -Xmx1g"
                      - "bootstrap.memory_lock=true"
                      - "discovery.type=single-node"
                      - "action.auto_create_index=false"
                      - "plugins.security.ssl.http.enabled=false"
                      - "plugins.security.disabled=true"
                    volumes:
                      - "log_data:/usr/share/opensearch/data"
                    ulimits:
                      memlock:
                        soft: -1
                        hard: -1
                      nofile:
                        soft: 65536
                        hard: 65536
                    ports:
                      - 9200:9200/tcp
                    networks:
                      - graynet
                    restart: unless-stopped

                  graylog:
                    image: graylog/graylog:5.1
                    container_name: graylog
                    environment:
                      GRAYLOG_PASSWORD_SECRET: "somesamplepassword"
                      # Password: admin
                      GRAYLOG_ROOT_PASSWORD_SHA2: "8c6976e5b5410415bde908bd4dee15dfb167a9c873fc4bb8a81f6f2ab448a918" 
                      GRAYLOG_HTTP_BIND_ADDRESS: "0.0.0.0:9000"
                      GRAYLOG_HTTP_EXTERNAL_URI: "http://localhost:9000/"
                      GRAYLOG_ELASTICSEARCH_HOSTS: "http://opensearch:9200"
                      GRAYLOG_MONGODB_URI: "mongodb://mongodb:27017/graylog"
                      GRAYLOG_TIMEZONE: "America/Los_Angeles"
                      TZ: "America/Los_Angeles"
                    entrypoint: /usr/bin/tini -- wait-for-it opensearch:9200 -- /docker-entrypoint.sh
                    volumes:
                      - "${PWD}/config/graylog/graylog.conf:/usr/share/graylog/config/graylog.conf"
                      - "graylog_data:/usr/share/graylog/data"
                    networks:
                      - graynet
                    restart: always
                    depends_on:
                      opensearch:
                        condition: "service_started"
                      mongo:
                        condition: "service_started"
                    ports:
                      - 9000:9000/tcp   # Graylog web interface and REST API
                      - 1514:1514/tcp   # Syslog
                      - 1514:1514/udp   # Syslog
                      - 12201:12201/tcp # GELF
                      - 12201:12201/udp # GELF

                """#
            ]),
        Row(
            name: "minecraft", files: ["compose.yaml"],
            texts: [
                "compose.yaml": #"""
                services:
                 minecraft:
                   image: itzg/minecraft-server
                   ports:
                     - "25565:25565"
                   environment:
                     EULA: "TRUE"
                   deploy:
                     resources:
                       limits:
                         memory: 1.5G
                   volumes:
                     - "~/minecraft_data:/data"

                """#
            ]),
        Row(
            name: "netdata", files: ["compose.yaml"],
            texts: [
                "compose.yaml": #"""
                version: '3'
                services:
                  netdata:
                    image: netdata/netdata
                    container_name: netdata
                    hostname: example.com # set to fqdn of host
                    ports:
                      - 19999:19999
                    restart: unless-stopped
                    cap_add:
                      - SYS_PTRACE
                    security_opt:
                      - apparmor:unconfined
                    volumes:
                      - netdataconfig:/etc/netdata
                      - netdatalib:/var/lib/netdata
                      - netdatacache:/var/cache/netdata
                      - /etc/passwd:/host/etc/passwd:ro
                      - /etc/group:/host/etc/group:ro
                      - /proc:/host/proc:ro
                      - /sys:/host/sys:ro
                      - /etc/os-release:/host/etc/os-release:ro

                volumes:
                  netdataconfig:
                  netdatalib:
                  netdatacache:
                """#
            ]),
        Row(
            name: "localstack", files: ["compose.yml"],
            texts: [
                "compose.yml": #"""
                version: "3.9"

                services:
                  localstack:
                    image: localstack/localstack:2.3.2
                    ports:
                      - "4566:4566" # LocalStack Gateway
                      - "4510-4559:4510-4559" # external services port range
                      - "53:53" # DNS config (only required for Pro)
                      - "53:53/udp" # DNS config (only required for Pro)
                      - "443:443" # LocalStack HTTPS Gateway (only required for Pro)
                    environment:
                      - DEBUG=${DEBUG-}
                      - PERSISTENCE=${PERSISTENCE-}
                      - LAMBDA_EXECUTOR=${LAMBDA_EXECUTOR-}
                      - LOCALSTACK_API_KEY=${LOCALSTACK_API_KEY-} # only required for Pro
                      - DOCKER_HOST=unix:///var/run/docker.sock
                      - SERVICES=dynamodb,kinesis,s3,sqs
                    volumes:
                      - "${LOCALSTACK_VOLUME_DIR:-./volume}:/var/lib/localstack"
                      - "/var/run/docker.sock:/var/run/docker.sock"
                    networks:
                      - localstack-net

                  setup-resources:
                    image: mesosphere/aws-cli:1.14.5
                    volumes:
                      - ./:/project
                    environment:
                      - AWS_ACCESS_KEY_ID=dummyaccess
                      - AWS_SECRET_ACCESS_KEY=dummysecret
                      - AWS_DEFAULT_REGION=us-east-1
                    entrypoint: /bin/sh -c
                    command: /project/setup-resources.sh
                    networks:
                      - localstack-net
                    depends_on:
                      - localstack

                networks:
                  localstack-net:
                    driver: bridge

                """#
            ]),
        Row(
            name: "prometheus-grafana-provision", files: ["docker-compose.yml", "docker-compose.local.yml"],
            texts: [
                "docker-compose.yml": #"""
                networks:
                  network1:
                    driver: bridge
                    ipam:
                      config:
                        - subnet: 200.0.0.0/16
                          gateway: 200.0.0.1
                volumes:
                    postgresql:
                    prometheus:
                    grafana:
                services:
                #---------- >> POSTGRES << ----------
                  postgresql:
                      image: postgres:15.4
                      hostname: postgresql
                      container_name: postgresql
                      privileged: true
                      environment:
                          POSTGRES_USER: ${DB_USERNAME}
                          POSTGRES_PASSWORD: ${DB_PASSWORD}
                          POSTGRES_DB: ${DB_NAME}
                          PGDATA: /data/postgres
                      healthcheck:
                          test: ["CMD-SHELL", "pg_isready -d ${DB_NAME} -U ${DB_USERNAME}"]
                          interval: 5s
                          timeout: 5s
                          retries: 5
                      volumes:
                          - postgresql:/data/postgres
                      ports:
                          - "5432:5432"
                      restart: unless-stopped
                      networks:
                        network1:
                          ipv4_address: 200.0.0.4
                # ---------- >> REDIS << ----------      
                  redis:
                    image: redis:latest
                    privileged: true
                    healthcheck:
                      test: ["CMD-SHELL", "redis-cli ping | grep PONG"]
                      interval: 1s
                      timeout: 3s
                      retries: 5
                    command: ["redis-server"]
                    ports:
                      - "6379:6379"
                    volumes:
                      - ./redis/redis.conf:/usr/local/etc/redis.conf
                    networks:
                      network1:
                        ipv4_address: 200.0.0.5
                # ---------- >> PROMETHEUS << ----------
                  prometheus:
                      image: prom/prometheus
                      hostname: prom
                      container_name: prometheus
                      privileged: true
                      volumes:
                          - ./prometheus/:/etc/prometheus/
                          - prometheus:/prometheus
                      command:
                          - '--config.file=/etc/prometheus/prometheus.yml'
                          - '--storage.tsdb.path=/prometheus'
                          - '--web.console.libraries=/usr/share/prometheus/console_libraries'
                          - '--web.console.templates=/usr/share/prometheus/consoles'
                      ports:
                          - "${PROMETHEUS_PORT:-9090}:9090"
                      restart: unless-stopped
                      networks:
                        network1:
                          ipv4_address: 200.0.0.10
                # ---------- >> GRAFANA << ----------
                  grafana:
                      image: grafana/grafana
                      container_name: grafana
                      volumes:
                        - grafana:/var/lib/grafana
                        - ./grafana/my_dashboards:/home/grafana/dashboards
                        - ./grafana/defaults.ini:/etc/grafana/grafana.ini
                        - ./grafana/provisioning/dashboards/default.yml:/etc/grafana/provisioning/dashboards/default.yml
                        - ./grafana/provisioning/datasources/default.yml:/etc/grafana/provisioning/datasources/default.yml
                        - ./grafana/provisioning/alerting/default.yml:/etc/grafana/provisioning/alerting/default.yml
                      privileged: true
                      environment:
                          GF_SECURITY_ADMIN_PASSWORD: ${GRAFANA_PASSWORD}
                          GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH: /home/grafana/dashboards/postgres.json
                          GF_USERS_ALLOW_SIGN_UP: false
                          GF_PATHS_CONFIG: /etc/grafana/grafana.ini
                      ports:
                          - "${GRAFANA_PORT:-3000}:3000"
                      restart: unless-stopped
                      networks:
                        network1:
                          ipv4_address: 200.0.0.11
                # ---------- >> EXPORTERS << ----------
                  postgresql-exporter:
                      image: prometheuscommunity/postgres-exporter
                      container_name: postgresql-exporter
                      privileged: true
                      ports:
                          - "9187:9187"
                      environment:
                          DATA_SOURCE_NAME: "postgres://${DB_USERNAME}:${DB_PASSWORD}@${DB_HOST}/${DB_NAME}?sslmode=disable"
                      depends_on:
                          prometheus:
                              condition: service_started
                          postgresql:
                              condition: service_healthy
                      restart: unless-stopped
                      networks:
                          - network1

                  redis-exporter:
                      image: oliver006/redis_exporter
                      container_name: redis-exporter
                      ports:
                        - "9121:9121"
                      environment:
                        REDIS_ADDR: "redis:6379"
                      networks:
                        - network1
                      depends_on:
                        - redis
                  
                """#,
                "docker-compose.local.yml": #"""
                version: '3'

                services:
                  redis:
                    ports:
                      - "6380:6379"


                """#,
                ".env": #"""
                DB_HOST=postgresql
                DB_PORT=5432
                DB_NAME=monitoring

                DB_USERNAME=homestead
                DB_PASSWORD=secret

                PROMETHEUS_PORT=9090
                GRAFANA_PORT=3000
                GRAFANA_PASSWORD=secret

                """#,
            ]),
        Row(
            name: "wasmedge-kafka-mysql", files: ["compose.yml"],
            texts: [
                "compose.yml": #"""
                services:
                  redpanda:
                    image: docker.redpanda.com/vectorized/redpanda:v22.2.2
                    command:
                      - redpanda start
                      - --smp 1
                      - --overprovisioned
                      - --node-id 0
                      - --kafka-addr PLAINTEXT://0.0.0.0:29092,OUTSIDE://0.0.0.0:9092
                      - --advertise-kafka-addr PLAINTEXT://redpanda:29092,OUTSIDE://redpanda:9092
                      - --pandaproxy-addr 0.0.0.0:8082
                      - --advertise-pandaproxy-addr localhost:8082
                    ports:
                      - 8081:8081
                      - 8082:8082
                      - 9092:9092
                      - 9644:9644
                      - 29092:29092
                    volumes:
                      - ./kafka:/app
                  etl:
                    image: etl-kafka
                    platform: wasi/wasm
                    build:
                      context: etl
                    environment:
                      DATABASE_URL: mysql://root:whalehello@db:3306/mysql
                      KAFKA_URL: kafka://redpanda:9092/order
                      RUST_BACKTRACE: full
                      RUST_LOG: info
                    restart: unless-stopped
                    runtime: io.containerd.wasmedge.v1
                  db:
                    image: mariadb:10.9
                    environment:
                      MYSQL_ROOT_PASSWORD: whalehello

                """#,
                "etl/Dockerfile": #"""
                FROM busybox

                """#,
            ]),
        Row(
            name: "nginx-flask-mysql", files: ["compose.yaml"],
            texts: [
                "compose.yaml": #"""
                services:
                  db:
                    # We use a mariadb image which supports both amd64 & arm64 architecture
                    image: mariadb:10-focal
                    # If you really want to use MySQL, uncomment the following line
                    #image: mysql:8
                    command: '--default-authentication-plugin=mysql_native_password'
                    restart: unless-stopped
                    healthcheck:
                      test: ['CMD-SHELL', 'mysqladmin ping -h 127.0.0.1 --password="$$(cat /run/secrets/db-password)" --silent']
                      interval: 10s
                      timeout: 5s
                      retries: 3
                      start_period: 30s
                    secrets:
                      - db-password
                    volumes:
                      - db-data:/var/lib/mysql
                    networks:
                      - backnet
                    environment:
                      - MYSQL_DATABASE=example
                      - MYSQL_ROOT_PASSWORD_FILE=/run/secrets/db-password
                    expose:
                      - 3306
                      - 33060
                    logging:
                      driver: "json-file"
                      options:
                        max-size: "10m"
                        max-file: "3"
                        labels: "service=db"

                  backend:
                    build:
                      context: backend
                      target: builder
                    restart: unless-stopped
                    secrets:
                      - db-password
                    ports:
                      - 8000:8000
                    networks:
                      - backnet
                      - frontnet
                    depends_on:
                      db:
                        condition: service_healthy
                    healthcheck:
                      test: ["CMD", "wget", "--no-verbose", "--tries=1", "--spider", "http://localhost:8000/health"]
                      interval: 30s
                      timeout: 10s
                      retries: 3
                      start_period: 40s
                    logging:
                      driver: "json-file"
                      options:
                        max-size: "10m"
                        max-file: "3"
                        labels: "service=backend"

                  proxy:
                    build: proxy
                    restart: unless-stopped
                    ports:
                      - 80:80
                    depends_on:
                      backend:
                        condition: service_healthy
                    networks:
                      - frontnet
                    healthcheck:
                      test: ["CMD", "wget", "--no-verbose", "--tries=1", "--spider", "http://localhost:80/health"]
                      interval: 30s
                      timeout: 10s
                      retries: 3
                      start_period: 10s
                    logging:
                      driver: "json-file"
                      options:
                        max-size: "10m"
                        max-file: "3"
                        labels: "service=proxy"

                volumes:
                  db-data:

                secrets:
                  db-password:
                    file: db/password.txt

                networks:
                  backnet:
                  frontnet:

                """#,
                "backend/Dockerfile": #"""
                FROM busybox AS builder

                """#,
                "db/password.txt": #"""
                secret

                """#,
                "proxy/Dockerfile": #"""
                FROM busybox

                """#,
            ]),
        Row(
            name: "php-mysql-apache", files: ["docker-compose.yaml"],
            texts: [
                "docker-compose.yaml": #"""
                version: "3.7"

                services:

                  php:
                    image: php:8.0-apache
                    build: php
                    container_name: php_container
                    networks:
                      pm_net:
                        ipv4_address: 172.17.0.2
                    ports:
                      - 8000:80
                    volumes:
                      - ./php:/var/www/html/
                    command: >
                      bash -c "apt-get update &&
                             docker-php-ext-install pdo_mysql &&
                             docker-php-ext-enable pdo_mysql &&
                             apache2-foreground"

                  db:
                    image: mysql
                    build: mysql
                    container_name: mysql_container
                    networks:
                      pm_net:
                        ipv4_address: 172.17.0.3
                    ports:
                      - 8001:3306
                      - 8002:33060
                    volumes:
                      - ./mysql:/var/www/mysql
                    environment:
                      MYSQL_USERNAME: "root"
                      MYSQL_ROOT_PASSWORD: ""
                      MYSQL_ALLOW_EMPTY_PASSWORD: "true"
                    depends_on:
                      - php

                  pma:
                    image: phpmyadmin
                    container_name: pma_container
                    networks:
                      pm_net:
                        ipv4_address: 172.17.0.4
                    ports:
                      - 8003:80
                    depends_on:
                      - db

                networks:
                  pm_net:
                    driver: bridge
                    ipam:
                      config:
                        - subnet: 172.17.0.0/16
                          gateway: 172.17.0.5
                """#,
                "mysql/Dockerfile": #"""
                FROM busybox

                """#,
                "php/Dockerfile": #"""
                FROM busybox

                """#,
            ]),
        Row(
            name: "samples/react-express-mysql", files: ["docker-compose.yaml"],
            texts: [
                "docker-compose.yaml": #"""
                version: "3.7"
                services:
                  backend:
                    build:
                      args:
                      - NODE_ENV=development
                      context: backend
                    command: ../node_modules/.bin/nodemon --inspect=0.0.0.0:9229
                    environment:
                    - NODE_ENV=development
                    ports:
                    - 8080:80
                    - 9229:9229
                    - 9230:9230
                    volumes:
                    - ./backend:/opt/app:delegated
                    - ./backend/package.json:/opt/package.json
                    - ./backend/package-lock.json:/opt/package-lock.json
                    - back-notused:/opt/app/node_modules
                    depends_on: 
                      - db
                  db:
                    environment:
                      MYSQL_DATABASE: example
                      MYSQL_ROOT_PASSWORD_FILE: /run/secrets/db-password
                    image: mysql:5.7
                    restart: always
                    secrets:
                    - db-password
                    volumes:
                    - db-data:/var/lib/mysql
                  frontend:
                    build: frontend
                    ports:
                    - 80:9000
                    volumes:
                    - ./frontend:/project
                    - /project/node_modules
                    depends_on: 
                    - backend
                volumes:
                  back-notused: {}
                  db-data: {}
                secrets:
                  db-password:
                    file: db/password.txt

                """#,
                "frontend/Dockerfile": #"""
                FROM busybox

                """#,
                "backend/Dockerfile": #"""
                FROM busybox

                """#,
                "db/password.txt": #"""
                secret

                """#,
            ]),
        Row(
            name: "nginx-flask-redis", files: ["docker-compose.yml"],
            texts: [
                "docker-compose.yml": #"""
                version: '3.6'

                services:
                  redis:
                    image: redislabs/redis
                    ports:
                      - '6379:6379'

                  web:
                    build:
                      context: ./web/
                    ports:
                      - "5000:5000"
                    links:
                      - redis

                  nginx:
                    restart: always
                    build: ./nginx/
                    ports:
                      - "80:80"
                    links:
                      - web

                """#,
                "web/Dockerfile": #"""
                FROM busybox

                """#,
                "nginx/Dockerfile": #"""
                FROM busybox

                """#,
            ]),
        Row(
            name: "napcat-qq-ai-bot", files: ["compose.yaml"],
            texts: [
                "compose.yaml": #"""
                services:
                  qq-ai-bot:
                    image: ghcr.io/happysnaker/qq-ai-bot:latest
                    restart: unless-stopped
                    ports:
                      - "18080:8080"
                    environment:
                      BOT_HOST: 0.0.0.0
                      BOT_PORT: 8080
                      DATA_DIR: /app/data
                      SESSION_STORE: file
                      SESSION_FILE_PATH: /app/data/sessions.json
                      SESSION_TTL_MINUTES: 120
                      REDIS_KEY_PREFIX: qq-ai-bot
                      ONEBOT_MODE: reverse
                      ONEBOT_ACCESS_TOKEN: ""
                      ONEBOT_REVERSE_WS_HOST: 0.0.0.0
                      ONEBOT_REVERSE_WS_PORT: 16700
                      ONEBOT_REVERSE_WS_PATH: /onebot/v11/ws
                      ONEBOT_ALLOW_GROUP: "true"
                      ONEBOT_REQUIRE_MENTION_IN_GROUP: "true"
                      ONEBOT_ALLOW_PRIVATE: "true"
                      ONEBOT_ALLOW_GROUP_COMMANDS_WITHOUT_MENTION: "false"
                      ONEBOT_GROUP_CONFIG_FILE: /app/examples/group-rules.example.json
                      ONEBOT_PROGRESS_MODE: message
                      ONEBOT_OUTBOUND_MAX_TEXT_LENGTH: 1400
                      ACP_AGENT_COMMAND: node
                      ACP_AGENT_ARGS_JSON: '["dist/examples/mock-acp-agent.js"]'
                      ACP_AGENT_WORKDIR: /app
                      ACP_CLIENT_NAME: qq-ai-bot
                      ACP_REUSE_SESSION: "true"
                      ACP_VERBOSE_MODE: verbose
                      ACP_PERMISSION_STRATEGY: allow_once
                      ACP_PROGRESS_THROTTLE_MS: 800
                      ACP_MAX_PROGRESS_UPDATES: 6
                      ACP_MAX_INBOUND_IMAGES: 3
                      ACP_MAX_INBOUND_IMAGE_BYTES: 6291456
                    volumes:
                      - qq_ai_bot_data:/app/data
                    healthcheck:
                      test:
                        [
                          "CMD-SHELL",
                          "wget -q -O - http://127.0.0.1:8080/readyz >/dev/null 2>&1 || exit 1",
                        ]
                      interval: 5s
                      timeout: 3s
                      retries: 20

                  napcat:
                    image: mlikiowa/napcat-docker:latest
                    restart: unless-stopped
                    depends_on:
                      qq-ai-bot:
                        condition: service_healthy
                    environment:
                      NAPCAT_UID: ${NAPCAT_UID:-1000}
                      NAPCAT_GID: ${NAPCAT_GID:-1000}
                      WEBUI_TOKEN: ${WEBUI_TOKEN:-napcat}
                    ports:
                      - "3000:3000"
                      - "6099:6099"
                    volumes:
                      - ./napcat.onebot11.reverse-ws.json:/app/napcat/config/onebot11.json:ro
                      - napcat_qq:/app/.config/QQ

                volumes:
                  napcat_qq:
                  qq_ai_bot_data:

                """#
            ]),
        Row(
            name: "pihole-cloudflared-DoH", files: ["compose.yaml"],
            texts: [
                "compose.yaml": #"""
                version: '3.7'
                services:
                  cloudflared:
                    image: visibilityspots/cloudflared
                    container_name: cloudflared
                    ports:
                      - "5054:5054/tcp"
                      - "5054:5054/udp"
                    environment:
                      - TZ=${TIMEZONE}
                      - PORT=5054
                      - ADDRESS=0.0.0.0
                    restart: always
                    networks:
                      dns-net:
                        ipv4_address: 172.20.0.2

                  pihole:
                    container_name: pihole
                    image: pihole/pihole:latest
                    ports:
                      - "53:53/tcp"
                      - "53:53/udp"
                      - "67:67/udp"
                      - "8080:80/tcp"
                      - "8443:443/tcp"
                    environment:
                      - TZ=${TIMEZONE}
                      - PIHOLE_DNS_=172.20.0.2#5054;1.1.1.1 # referencing by name results in "Invalid IP detected in PIHOLE_DNS_: cloudflared#5054"
                      - WEBPASSWORD=${PIHOLE_PW}
                      - REV_SERVER=true
                      - REV_SERVER_TARGET=${PIHOLE_ROUTER_IP}
                      - REV_SERVER_DOMAIN=${PIHOLE_NETWORK_DOMAIN}
                      - REV_SERVER_CIDR=${PIHOLE_REVERSE_DNS}
                      - ServerIP=${PIHOLE_HOST_IP}
                      - ServerIPv6=${PIHOLE_HOST_IPV6}
                    #dns:
                      #- 127.0.0.1 # "Sets your container's resolve settings to localhost so it can resolve DHCP hostnames [...]" - github.com/pi-hole/docker-pi-hole
                      #- 1.1.1.1 # Backup server
                    volumes: # store your data between container upgrades
                      - "/etc/pihole/:/etc/pihole/"
                      - "/etc/dnsmasq.d/:/etc/dnsmasq.d/"
                    cap_add:
                      - NET_ADMIN # Recommended but not required (DHCP needs NET_ADMIN) https://github.com/pi-hole/docker-pi-hole#note-on-capabilities
                    depends_on:
                      - "cloudflared"
                    restart: always
                    networks:
                      - dns-net

                networks:
                  dns-net:
                    ipam:
                      config:
                        - subnet: 172.20.0.0/24
                """#,
                ".env": #"""
                TIMEZONE=Etc/UTC
                PIHOLE_PW=changeit
                # Default values for CONDITIONAL_FORWARDING with AVM FRITZ!Box
                PIHOLE_ROUTER_IP=192.168.178.1
                PIHOLE_NETWORK_DOMAIN=fritz.box
                PIHOLE_REVERSE_DNS=192.168.178.0/24
                PIHOLE_HOST_IP=192.168.178.X
                PIHOLE_HOST_IPV6=

                """#,
            ]),
        Row(
            name: "plex", files: ["compose.yaml"],
            texts: [
                "compose.yaml": #"""
                services:
                  plex:
                    image: linuxserver/plex
                    container_name: plex
                    network_mode: host
                    environment:
                      - VERSION=docker
                    restart: always
                    volumes:
                      - ${PLEX_MEDIA_PATH}:/media/
                """#,
                ".env": #"""
                PLEX_MEDIA_PATH=/media/your/plex/path

                """#,
            ]),
        Row(
            name: "odoo-postgres", files: ["compose.yaml"],
            texts: [
                "compose.yaml": #"""
                services:
                    odoo:
                        image: odoo:16.0
                        platform: linux/amd64
                        container_name: odoo
                        depends_on:
                            - postgres
                        tty: true
                        stdin_open: true
                        ports:
                            - "8069:8069"
                        environment:
                            - HOST=postgres
                        volumes:
                            - odoo-data:/var/lib/odoo
                            - ./conf:/etc/odoo
                            - ./extra-addons:/mnt/extra-addons
                    postgres:
                        image: postgres:14.5
                        platform: linux/amd64
                        container_name: postgres
                        ports:
                            - "5432:5432"
                        environment:
                            - POSTGRES_DB=postgres
                            - POSTGRES_PASSWORD=odoo
                            - POSTGRES_USER=odoo
                            - PGDATA=/var/lib/postgresql/data/pgdata
                        volumes:
                            - psql-data:/var/lib/postgresql/data/pgdata
                volumes:
                    odoo-data:
                    psql-data:

                """#
            ]),
        Row(
            name: "vue-golang-mysql", files: ["docker-compose.yml"],
            texts: [
                "docker-compose.yml": #"""
                version: '3'
                services:
                  mydb:
                    restart: always
                    image: mysql:8.0
                    environment:
                      MYSQL_ROOT_PASSWORD: '114514'
                      MYSQL_DATABASE: code_paste
                    container_name: mydb
                    ports:
                      - "3306:3306"
                    tty: true
                  server:
                    build:
                      context: ./server
                    restart: on-failure:10
                    container_name: server
                    ports:
                      - "8080:8080"
                    environment:
                       GIN_MODE: release
                    tty: true
                    depends_on:
                      - mydb
                  web:
                    build:
                      context: ./web
                      args:
                        VITE_API_BASE_URL: http://127.0.0.1:8080/api
                    container_name: web
                    ports:
                      - "80:3000"
                    tty: true
                    depends_on:
                      - server
                """#,
                "server/Dockerfile": #"""
                FROM busybox

                """#,
                "web/Dockerfile": #"""
                FROM busybox

                """#,
            ]),
        Row(
            name: "golang-localstack", files: ["docker-compose.yaml"],
            texts: [
                "docker-compose.yaml": #"""
                services:

                  localstack:
                    image: localstack/localstack:latest
                    environment:
                      - SERVICES=s3,dynamodb,lambda
                      - DEBUG=1
                    ports:
                      - "4566:4566" # LocalStack service endpoint
                      - "4571:4571" # Optional additional port
                    volumes:
                      - ./localstack:/docker-entrypoint-initaws.d
                      - /var/run/docker.sock:/var/run/docker.sock # Docker socket for Lambda runtime execution
                    container_name: localstack


                  app:
                    build:
                      context: .
                      dockerfile: Dockerfile
                    depends_on:
                      - localstack
                    environment:
                      - S3_REGION=us-east-1
                      - S3_ENDPOINT=http://localstack:4566
                      - S3_ACCESS_KEY_ID=test
                      - S3_ACCESS_KEY=test
                      - S3_BUCKET=test-bucket
                    ports:
                      - "8080:8080"
                    container_name: golang_app

                """#,
                "Dockerfile": #"""
                FROM busybox

                """#,
            ]),
        Row(
            name: "django-redis", files: ["docker-compose.yml"],
            texts: [
                "docker-compose.yml": #"""
                services:
                  redis:
                    image: redislabs/redismod
                    ports:
                      - '6379:6379'
                  web:
                    build: .
                    command: python django_redis/manage.py runserver 0.0.0.0:8000
                    env_file:
                      - .env
                    ports:
                      - '8000:8000'
                    volumes:
                      - .:/code
                    depends_on:
                      - redis

                """#,
                ".env": #"""

                """#,
                "Dockerfile": #"""
                FROM busybox

                """#,
            ]),
        Row(
            name: "react-express-mongodb", files: ["compose.yaml"],
            texts: [
                "compose.yaml": #"""
                services:
                    frontend:
                      build: ./frontend
                      ports:
                       - 3000:3000
                      volumes:
                       - ./frontend:/app
                      depends_on:
                       - backend
                      restart: always
                      networks:
                        - express-network
                    Backend:
                      build: ./backend
                      ports:
                       - 3000:3000
                      depends_on:
                       - db
                      restart: always
                      networks:
                       - express-network
                       - db-network
                    db:
                      image: mongo:latest
                      ports:
                       - 27017:27017
                      volumes:
                       - ./data:/data/db
                      restart: always
                      networks:
                       - db-network
                networks:
                  express-network:
                  db-network:   

                      
                """#,
                "frontend/Dockerfile": #"""
                FROM busybox

                """#,
                "backend/Dockerfile": #"""
                FROM busybox

                """#,
            ], error: "depends on undefined service \"backend\""),
        Row(
            name: "wordpress-mysql", files: ["docker-compose.yaml"],
            texts: [
                "docker-compose.yaml": #"""
                services:
                  db:
                    image: mysql:8.0.19
                    command: '--default-authentication-plugin=mysql_native_password'
                    restart: always
                    volumes:
                      - db_data:/var/lib/mysql
                    restart: always
                    environment:
                      - MYSQL_ROOT_PASSWORD=somewordpress
                      - MYSQL_DATABASE=wordpress
                      - MYSQL_USER=wordpress
                      - MYSQL_PASSWORD=wordpress
                  wordpress:
                    image: wordpress:latest
                    ports:
                      - 80:80
                    restart: always
                    environment:
                      - WORDPRESS_DB_HOST=db
                      - WORDPRESS_DB_USER=wordpress
                      - WORDPRESS_DB_PASSWORD=wordpress
                      - WORDPRESS_DB_NAME=wordpress
                volumes:
                  db_data:

                  
                    
                """#
            ], error: "duplicated key"),
    ]

    @Test(arguments: rows)
    func sampleLoads(row: Row) throws {
        let base = NSTemporaryDirectory() + "awesome-compose-\(UUID().uuidString)"
        let dir = base + "/" + (row.name as NSString).lastPathComponent
        defer { try? FileManager.default.removeItem(atPath: base) }
        for (path, text) in row.texts {
            let full = dir + "/" + path
            try FileManager.default.createDirectory(
                atPath: (full as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try text.write(toFile: full, atomically: true, encoding: .utf8)
        }
        var options = ComposeLoadOptions(workingDirectory: dir, environment: ["PWD": dir, "HOME": base])
        options.files = row.files
        do {
            let project = try ComposeLoader.load(options)
            #expect(row.error == nil, "loaded, but Docker Compose refuses it: \(row.error ?? "")")
            #expect(project.warnings.isEmpty, "\(project.warnings)")
            #expect(!project.services.isEmpty)
        } catch {
            let expected = try #require(row.error, "\(error)")
            #expect("\(error)".contains(expected), "\(error)")
        }
    }
}

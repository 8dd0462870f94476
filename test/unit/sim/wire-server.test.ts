import { CloudWatchServiceException, GetMetricDataCommand, ListMetricsCommand, PutMetricDataCommand } from "@aws-sdk/client-cloudwatch";
import { DescribeSecurityGroupsCommand } from "@aws-sdk/client-ec2";
import { DescribeBrokerCommand, ListBrokersCommand, NotFoundException } from "@aws-sdk/client-mq";
import { InternalErrorException, PublishCommand } from "@aws-sdk/client-sns";
import { AwsPostureReader } from "../../../shared/adapters/aws-posture-reader";
import { CloudWatchMetricSource } from "../../../shared/adapters/cloudwatch-metric-source";
import { MqBrokerInventory } from "../../../shared/adapters/mq-broker-inventory";
import { RecordingLog } from "../../../shared/adapters/recording-log";
import { NAMESPACE } from "../../../shared/core/metric-catalog";
import { errorNameOf, isRetryable } from "../../../shared/errors";
import { simulatedClock } from "../../../shared/sim/sdk-boundary";
import {
  at,
  MINUTE,
  metricQuery,
  openSecurityGroup,
  queueSizeSeries,
  rawBroker,
  recordExchanges,
  START_MS,
  simulate,
  thrownBy,
} from "./scenario-fixtures";

/**
 * The simulated account at the HTTP layer: what goes over the wire between the real SDK clients and
 * the simulated services, and what the SDK's own deserializers make of it.
 */

const CPU = { Broker: "orders-1" };
/** A CpuUtilization series of ten datapoints 0, 1, ..., 9. */
const CPU_SERIES = { metric: "CpuUtilization", dimensions: CPU, values: Array.from({ length: 10 }, (_, i) => i) };

describe("the simulated account on the wire", () => {
  describe("Amazon MQ (restJson1)", () => {
    it("answers DescribeBroker with AWS's casing in the model's camelCase JSON, and the SDK parses it", async () => {
      // Prepare
      const { mq } = simulate({ brokers: [rawBroker("orders", {}, { Created: "2025-11-04T10:00:00Z" })] });
      const wire = recordExchanges(mq);
      // Act
      const out = await mq.send(new DescribeBrokerCommand({ BrokerId: "b-orders" }));
      // Assess
      const [exchange] = wire;
      expect(exchange).toMatchObject({ method: "GET", path: "/v1/brokers/b-orders", status: 200 });
      expect(exchange?.responseHeaders["content-type"]).toBe("application/json");
      expect(JSON.parse(exchange?.responseBody ?? "")).toMatchObject({
        brokerId: "b-orders",
        brokerName: "orders",
        brokerState: "RUNNING",
        deploymentMode: "ACTIVE_STANDBY_MULTI_AZ",
        engineType: "ActiveMQ",
        hostInstanceType: "mq.m5.large",
        created: "2025-11-04T10:00:00Z",
      });
      expect(out).toMatchObject({ BrokerId: "b-orders", EngineType: "ActiveMQ", DeploymentMode: "ACTIVE_STANDBY_MULTI_AZ" });
      expect(out.Created).toEqual(new Date("2025-11-04T10:00:00Z"));
    });

    it("lists ActiveMQ and RabbitMQ brokers as AWS spells them, whatever case the scenario uses", async () => {
      // Prepare
      const { mq } = simulate({
        brokers: [rawBroker("orders"), rawBroker("events", {}, { EngineType: "RABBITMQ", DeploymentMode: "CLUSTER_MULTI_AZ" })],
      });
      const wire = recordExchanges(mq);
      // Act
      const out = await mq.send(new ListBrokersCommand({ MaxResults: 10 }));
      // Assess
      expect(wire[0]?.query).toEqual({ maxResults: "10" });
      expect(JSON.parse(wire[0]?.responseBody ?? "").brokerSummaries.map((b: { engineType: string }) => b.engineType)).toEqual([
        "ActiveMQ",
        "RabbitMQ",
      ]);
      expect(out.BrokerSummaries?.map((b) => [b.BrokerName, b.EngineType, b.DeploymentMode])).toEqual([
        ["orders", "ActiveMQ", "ACTIVE_STANDBY_MULTI_AZ"],
        ["events", "RabbitMQ", "CLUSTER_MULTI_AZ"],
      ]);
    });

    it("pages ListBrokers with an opaque token that the SDK sends back as nextToken, and refuses a made-up one", async () => {
      // Prepare
      const { mq } = simulate({ brokers: ["a", "b", "c"].map((n) => rawBroker(n)) });
      const wire = recordExchanges(mq);
      // Act
      const first = await mq.send(new ListBrokersCommand({ MaxResults: 2 }));
      const second = await mq.send(new ListBrokersCommand({ MaxResults: 2, NextToken: first.NextToken }));
      const madeUp = await thrownBy(() => mq.send(new ListBrokersCommand({ MaxResults: 2, NextToken: "2" })));
      // Assess
      expect(first.NextToken).toEqual(expect.any(String));
      expect(first.NextToken).not.toMatch(/^\d+$/);
      expect(wire[1]?.query).toEqual({ maxResults: "2", nextToken: first.NextToken });
      expect(second.BrokerSummaries?.map((b) => b.BrokerName)).toEqual(["c"]);
      expect(second.NextToken).toBeUndefined();
      expect(madeUp.name).toBe("BadRequestException");
      expect(wire[2]?.status).toBe(400);
    });

    it("answers a missing broker with a 404 NotFoundException error response the SDK turns into its exception", async () => {
      // Prepare
      const { mq } = simulate();
      const wire = recordExchanges(mq);
      // Act
      const error = await thrownBy(() => mq.send(new DescribeBrokerCommand({ BrokerId: "b-nothing" })));
      // Assess
      expect(wire[0]?.status).toBe(404);
      expect(wire[0]?.responseHeaders["x-amzn-errortype"]).toBe("NotFoundException");
      expect(JSON.parse(wire[0]?.responseBody ?? "")).toEqual({ message: "broker b-nothing not found" });
      expect(error).toBeInstanceOf(NotFoundException);
      expect(error).toMatchObject({ name: "NotFoundException", message: "broker b-nothing not found", $metadata: { httpStatusCode: 404 } });
    });
  });

  describe("CloudWatch (awsJson1_0, query-compatible)", () => {
    it("reads GetMetricData from the X-Amz-Target request and answers epoch-second timestamps the SDK turns into dates", async () => {
      // Prepare
      const { account, cloudwatch } = simulate({ metrics: [CPU_SERIES] });
      account.minute = 5;
      const wire = recordExchanges(cloudwatch);
      // Act
      const out = await cloudwatch.send(
        new GetMetricDataCommand({
          MetricDataQueries: [metricQuery("cpu", "CpuUtilization", CPU)],
          StartTime: at(0),
          EndTime: at(3),
          ScanBy: "TimestampAscending",
        }),
      );
      // Assess
      expect(wire[0]?.headers).toMatchObject({
        "x-amz-target": "GraniteServiceVersion20100801.GetMetricData",
        "x-amzn-query-mode": "true",
        "content-type": "application/x-amz-json-1.0",
      });
      const raw = JSON.parse(wire[0]?.responseBody ?? "");
      expect(raw.MetricDataResults[0]).toEqual({
        Id: "cpu",
        Label: "CpuUtilization",
        Timestamps: [0, 1, 2].map((m) => at(m).getTime() / 1000),
        Values: [0, 1, 2],
        StatusCode: "Complete",
      });
      expect(out.MetricDataResults?.[0]?.Timestamps).toEqual([at(0), at(1), at(2)]);
    });

    it("answers a status:PartialData fault with the older half and a NextToken whose call brings the rest", async () => {
      // Prepare
      const { account, cloudwatch } = simulate({
        metrics: [CPU_SERIES],
        faults: [{ operation: "cloudwatch:GetMetricData", from: 0, to: 59, error: "status:PartialData" }],
      });
      account.minute = 12; // all ten datapoints visible
      const wire = recordExchanges(cloudwatch);
      const input = {
        MetricDataQueries: [metricQuery("cpu", "CpuUtilization", CPU)],
        StartTime: at(0),
        EndTime: at(10),
        ScanBy: "TimestampAscending" as const,
      };
      // Act
      const first = await cloudwatch.send(new GetMetricDataCommand(input));
      const rest = await cloudwatch.send(new GetMetricDataCommand({ ...input, NextToken: first.NextToken }));
      // Assess
      const raw = JSON.parse(wire[0]?.responseBody ?? "");
      expect(raw.NextToken).toEqual(expect.any(String));
      expect(raw.MetricDataResults[0]).toMatchObject({ StatusCode: "PartialData", Values: [0, 1, 2, 3, 4] });
      expect(first.MetricDataResults?.[0]).toMatchObject({ StatusCode: "PartialData", Timestamps: [0, 1, 2, 3, 4].map(at) });
      expect(JSON.parse(wire[1]?.body ?? "").NextToken).toBe(first.NextToken);
      expect(rest.MetricDataResults?.[0]).toMatchObject({
        StatusCode: "Complete",
        Values: [5, 6, 7, 8, 9],
        Timestamps: [5, 6, 7, 8, 9].map(at),
      });
      expect(rest.NextToken).toBeUndefined();
      expect(account.calls.get("cloudwatch:GetMetricData")).toBe(2);
    });

    it("answers a status:InternalError fault with results that carry no datapoints, their StatusCode and a message", async () => {
      // Prepare
      const { account, cloudwatch } = simulate({
        metrics: [CPU_SERIES],
        faults: [{ operation: "cloudwatch:GetMetricData", from: 0, to: 59, error: "status:InternalError" }],
      });
      account.minute = 12;
      // Act
      const out = await cloudwatch.send(
        new GetMetricDataCommand({ MetricDataQueries: [metricQuery("cpu", "CpuUtilization", CPU)], StartTime: at(0), EndTime: at(10) }),
      );
      // Assess
      expect(out.MetricDataResults).toEqual([
        {
          Id: "cpu",
          Label: "CpuUtilization",
          Timestamps: [],
          Values: [],
          StatusCode: "InternalError",
          Messages: [{ Code: "InternalError", Value: expect.stringContaining("not read") }],
        },
      ]);
      expect(out.NextToken).toBeUndefined();
    });

    it("answers a throttling fault with the query-compatible error headers, which the SDK and our classification read", async () => {
      // Prepare
      const { account, cloudwatch } = simulate({
        faults: [{ operation: "cloudwatch:ListMetrics", from: 0, to: 0, error: "ThrottlingException" }],
      });
      account.minute = 0;
      const wire = recordExchanges(cloudwatch);
      // Act
      const error = await thrownBy(() => cloudwatch.send(new ListMetricsCommand({})));
      // Assess
      expect(wire[0]?.status).toBe(429);
      expect(wire[0]?.responseHeaders["x-amzn-query-error"]).toBe("ThrottlingException;Sender");
      expect(JSON.parse(wire[0]?.responseBody ?? "")).toEqual({
        __type: "ThrottlingException",
        message: "simulated fault on cloudwatch:ListMetrics at minute 0",
      });
      expect(error).toBeInstanceOf(CloudWatchServiceException);
      expect(errorNameOf(error)).toBe("ThrottlingException");
      expect(isRetryable(error)).toBe(true);
    });

    it("pages ListMetrics with an opaque token and refuses one it did not issue with InvalidNextToken", async () => {
      // Prepare
      const { account, cloudwatch } = simulate({ metrics: queueSizeSeries(501) });
      account.minute = 2;
      // Act
      const first = await cloudwatch.send(new ListMetricsCommand({}));
      const second = await cloudwatch.send(new ListMetricsCommand({ NextToken: first.NextToken }));
      const madeUp = await thrownBy(() => cloudwatch.send(new ListMetricsCommand({ NextToken: "500" })));
      // Assess
      expect(first.Metrics).toHaveLength(500);
      expect(first.NextToken).not.toMatch(/^\d+$/);
      expect(second.Metrics).toHaveLength(1);
      expect(madeUp.name).toBe("InvalidNextToken");
    });

    it("refuses an operation it does not simulate with the protocol's error", async () => {
      // Prepare
      const { account, cloudwatch } = simulate();
      // Act
      const error = await thrownBy(() => cloudwatch.send(new PutMetricDataCommand({ Namespace: "x", MetricData: [] })));
      // Assess
      expect(error.name).toBe("UnknownOperationException");
      expect(account.calls.size).toBe(0);
    });
  });

  describe("SNS (awsQuery)", () => {
    it("reads Publish from the form the SDK sent, message attributes included, and answers the documented XML", async () => {
      // Prepare
      const { account, sns } = simulate();
      const wire = recordExchanges(sns);
      const input = {
        TopicArn: "arn:aws:sns:us-east-1:123456789012:alerts",
        Message: "broker <orders> & friends",
        MessageAttributes: {
          severity: { DataType: "String", StringValue: "critical" },
          kind: { DataType: "String", StringValue: "consumer-lag" },
        },
      };
      // Act
      const out = await sns.send(new PublishCommand(input));
      // Assess
      expect(wire[0]?.body).toContain("Action=Publish&Version=2010-03-31");
      expect(wire[0]?.body).toContain("MessageAttributes.entry.1.Name=severity");
      expect(account.records).toEqual([{ minute: 0, operation: "sns:Publish", input }]);
      expect(wire[0]?.responseBody).toMatch(
        /^<PublishResponse xmlns="http:\/\/sns\.amazonaws\.com\/doc\/2010-03-31\/"><PublishResult><MessageId>sim-1<\/MessageId><\/PublishResult><ResponseMetadata><RequestId>[0-9a-f-]+<\/RequestId><\/ResponseMetadata><\/PublishResponse>$/,
      );
      expect(out.MessageId).toBe("sim-1");
    });

    it("answers a fault with an <ErrorResponse> naming the awsQuery code, which the SDK maps to the modeled exception", async () => {
      // Prepare
      const { sns } = simulate({ faults: [{ operation: "sns:Publish", from: 0, to: 0, error: "InternalErrorException" }] });
      const wire = recordExchanges(sns);
      // Act
      const error = await thrownBy(() =>
        sns.send(new PublishCommand({ TopicArn: "arn:aws:sns:us-east-1:123456789012:alerts", Message: "m" })),
      );
      // Assess
      expect(wire[0]?.status).toBe(500);
      expect(wire[0]?.responseBody).toContain(
        "<Error><Type>Receiver</Type><Code>InternalError</Code><Message>simulated fault on sns:Publish at minute 0</Message></Error>",
      );
      expect(error).toBeInstanceOf(InternalErrorException);
      expect(error.message).toBe("simulated fault on sns:Publish at minute 0");
    });
  });

  describe("EC2 (ec2Query)", () => {
    it("reads GroupId.N and answers DescribeSecurityGroups in the API reference's XML", async () => {
      // Prepare
      const group = openSecurityGroup();
      const { ec2 } = simulate({ brokers: [rawBroker("orders", { securityGroups: [group] })] });
      const wire = recordExchanges(ec2);
      // Act
      const out = await ec2.send(new DescribeSecurityGroupsCommand({ GroupIds: ["sg-open"] }));
      // Assess
      expect(wire[0]?.body).toBe("Action=DescribeSecurityGroups&Version=2016-11-15&GroupId.1=sg-open");
      expect(wire[0]?.responseBody).toMatch(
        /^<DescribeSecurityGroupsResponse xmlns="http:\/\/ec2\.amazonaws\.com\/doc\/2016-11-15\/"><requestId>/,
      );
      expect(wire[0]?.responseBody).toContain(
        "<securityGroupInfo><item><groupId>sg-open</groupId><groupName>open</groupName><groupDescription>broker access</groupDescription><ipPermissions><item><ipProtocol>tcp</ipProtocol><fromPort>61617</fromPort><toPort>61617</toPort><ipRanges><item><cidrIp>0.0.0.0/0</cidrIp></item></ipRanges></item></ipPermissions></item></securityGroupInfo>",
      );
      expect(out.SecurityGroups).toEqual([group]);
    });

    it("answers an unknown group with EC2's <Response><Errors> document, whose code the SDK reports", async () => {
      // Prepare
      const { ec2 } = simulate();
      const wire = recordExchanges(ec2);
      // Act
      const error = await thrownBy(() => ec2.send(new DescribeSecurityGroupsCommand({ GroupIds: ["sg-gone"] })));
      // Assess
      expect(wire[0]?.status).toBe(400);
      expect(wire[0]?.responseBody).toMatch(
        /^<Response><Errors><Error><Code>InvalidGroup\.NotFound<\/Code><Message>security group sg-gone does not exist<\/Message><\/Error><\/Errors><RequestID>[0-9a-f-]+<\/RequestID><\/Response>$/,
      );
      expect(error.name).toBe("InvalidGroup.NotFound");
      expect(error.message).toBe("security group sg-gone does not exist");
    });
  });

  describe("the project's adapters", () => {
    it("map the engine types Amazon MQ answers (ActiveMQ, RabbitMQ) to the brokers and nodes they watch", async () => {
      // Prepare
      const { account, mq } = simulate({
        brokers: [rawBroker("orders"), rawBroker("events", {}, { EngineType: "RABBITMQ", DeploymentMode: "CLUSTER_MULTI_AZ" })],
      });
      const inventory = new MqBrokerInventory(mq, simulatedClock(account), new RecordingLog(), { ttlMs: 5 * MINUTE });
      // Act
      const snapshot = await inventory.listBrokers();
      // Assess
      expect(snapshot.brokers.map((b) => [b.name, b.engine, b.deploymentMode, b.nodes])).toEqual([
        ["orders", "ACTIVEMQ", "ACTIVE_STANDBY_MULTI_AZ", ["orders-1", "orders-2"]],
        ["events", "RABBITMQ", "CLUSTER_MULTI_AZ", ["events"]],
      ]);
    });

    it("read a RabbitMQ broker's posture as RabbitMQ: an audit log that does not exist there is not judged", async () => {
      // Prepare
      const { account, mq, ec2 } = simulate({
        brokers: [rawBroker("events", {}, { EngineType: "RABBITMQ", DeploymentMode: "CLUSTER_MULTI_AZ", Logs: { General: true } })],
      });
      const clock = simulatedClock(account);
      const [broker] = (await new MqBrokerInventory(mq, clock, new RecordingLog(), { ttlMs: MINUTE }).listBrokers()).brokers;
      // Act
      const facts = await new AwsPostureReader(mq, ec2, clock).factsFor(broker as NonNullable<typeof broker>);
      // Assess
      expect(facts.settings.auditLog).toBeNull();
      expect(facts.settings.generalLog).toBe(true);
      expect(facts.configurationXml).toBeNull();
    });

    it("read the whole window through a PartialData answer, and an InternalError answer as not read", async () => {
      // Prepare
      const { account, cloudwatch } = simulate({
        metrics: [CPU_SERIES],
        faults: [
          { operation: "cloudwatch:GetMetricData", from: 12, to: 12, error: "status:PartialData" },
          { operation: "cloudwatch:GetMetricData", from: 13, to: 13, error: "status:InternalError" },
        ],
      });
      const source = new CloudWatchMetricSource(cloudwatch, simulatedClock(account), new RecordingLog());
      const request = { key: "cpu", namespace: NAMESPACE, metric: "CpuUtilization", dimensions: CPU, stat: "Maximum" as const };
      const window = { startMs: START_MS, minutes: 10 };
      // Act
      account.minute = 12;
      const partial = await source.fetch([request], window);
      account.minute = 13;
      const internal = await source.fetch([request], window);
      // Assess
      expect(partial).toEqual({
        series: new Map([["cpu", CPU_SERIES.values]]),
        failedKeys: new Set(),
        errors: [],
        calls: 2,
        metricsRequested: 2,
      });
      expect(internal.series.size).toBe(0);
      expect([...internal.failedKeys]).toEqual(["cpu"]);
      expect(internal.errors).toEqual([
        expect.stringMatching(/^StatusCode InternalError \(InternalError: .+\) — 1 metrics not read this cycle$/),
      ]);
    });
  });
});

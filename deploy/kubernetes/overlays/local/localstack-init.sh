#!/bin/sh
# LocalStack runs this once it is ready: the queue loginpipe drains and its redrive queue.
# docker-compose.yml and the local Kubernetes overlay (kustomization.yaml here) both mount it.
set -e
awslocal sqs create-queue --queue-name login-queue-dlq
DLQ_ARN=$(awslocal sqs get-queue-attributes --queue-url http://localhost:4566/000000000000/login-queue-dlq \
  --attribute-names QueueArn --query Attributes.QueueArn --output text)
awslocal sqs create-queue --queue-name login-queue --attributes \
  "{\"VisibilityTimeout\":\"30\",\"RedrivePolicy\":\"{\\\"deadLetterTargetArn\\\":\\\"$DLQ_ARN\\\",\\\"maxReceiveCount\\\":\\\"5\\\"}\"}"

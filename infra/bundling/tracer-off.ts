/**
 * What `@aws-lambda-powertools/tracer` resolves to in Lambda bundles when the configuration says
 * `lambda.tracing: "active"` (the default; esbuild `--alias`, set by QmFunction). A Tracer that is
 * always disabled, as the real one is with POWERTOOLS_TRACE_ENABLED=false: clients come back as they
 * went in, decorators leave methods alone, annotations and metadata go nowhere.
 *
 * Why: the real Tracer imports `aws-xray-sdk-core` (with `semver`, `cls-hooked`…, ≈ 125 KB minified)
 * and evaluates it at init even when tracing is off; with Lambda active tracing alone that is a third
 * of an API bundle spent on nothing. docs/coldstart.md ("X-Ray") weighs what this gives up.
 * Types still come from the real package (the alias exists only for esbuild); implementing its
 * TracerInterface makes tsc fail here if Powertools adds a method our code could call.
 */
import type {
  AnyClass,
  CaptureLambdaHandlerOptions,
  CaptureMethodOptions,
  HandlerMethodDecorator,
  MethodDecorator,
  TracerInterface,
} from '@aws-lambda-powertools/tracer/types';

type Segment = ReturnType<TracerInterface['getSegment']>;

/** Constructor options (TracerOptions) are accepted and ignored: JavaScript passes them to no constructor. */
export class Tracer implements TracerInterface {
  addErrorAsMetadata(_error: Error, _remote?: boolean): void {}
  addResponseAsMetadata(_data?: unknown, _methodName?: string): void {}
  addServiceNameAnnotation(): void {}
  annotateColdStart(): void {}
  captureAWS<T>(aws: T): T {
    return aws;
  }
  captureAWSv3Client<T>(service: T): T {
    return service;
  }
  captureAWSClient<T>(service: T): T {
    return service;
  }
  captureLambdaHandler(_options?: CaptureLambdaHandlerOptions): HandlerMethodDecorator {
    return (_target, _propertyKey, descriptor) => descriptor;
  }
  captureMethod<T extends AnyClass>(_options?: CaptureMethodOptions): MethodDecorator<T> {
    return (_target, _propertyKey, descriptor) => descriptor;
  }
  getSegment(): Segment {
    return undefined;
  }
  /** The trace Lambda active tracing started (Root of `_X_AMZN_TRACE_ID`), as the real Tracer reads it. */
  getRootXrayTraceId(): string | undefined {
    return /Root=([^;]+)/.exec(process.env._X_AMZN_TRACE_ID ?? '')?.[1];
  }
  isTraceSampled(): boolean {
    return false;
  }
  isTracingEnabled(): boolean {
    return false;
  }
  putAnnotation = (_key: string, _value: string | number | boolean): void => {};
  putMetadata = (_key: string, _value: unknown, _namespace?: string): void => {};
  setSegment(_segment: NonNullable<Segment>): void {}
}

import { Module, ValidationPipe, type DynamicModule } from '@nestjs/common';
import { APP_FILTER, APP_GUARD, APP_INTERCEPTOR, APP_PIPE } from '@nestjs/core';
import { CqrsModule } from '@nestjs/cqrs';
import { CreateProductHandler, UpdateProductHandler } from '@clientele/catalog';
import { PAYMENT_GATEWAY } from '@clientele/billing';
import {
  CheckInClientHandler,
  CreateClassTypeHandler,
  EnrollClientHandler,
  EndRecurringHandler,
  RegisterRecurringHandler,
  SESSION_CALENDAR,
  CancelEnrollmentHandler,
  ForgivePenaltyHandler,
  InviteClientHandler,
  AcceptInvitationHandler,
  DeclineInvitationHandler,
  ScheduleSessionHandler,
} from '@clientele/scheduling';
import {
  GetRosterHandler,
  ListClientRecurringHandler,
  sessionCalendar,
  GetSessionHandler,
  ListClassTypesHandler,
  ListClientBookingsHandler,
  ListClientRegistrationsHandler,
  ListSessionsHandler,
} from '@projections/schedule';
import {
  AdjustAccountCreditHandler,
  AdjustCreditGrantHandler,
  ChangeMembershipHandler,
  ChangePaymentSettingsHandler,
  IssueCreditsHandler,
  PayBillHandler,
  RefundPaymentHandler,
  ManagePaymentMethodsHandler,
  SavedPaymentMethodsOfHandler,
  SellProductsHandler,
  AccountMergeStep,
} from '@clientele/entitlements';
import {
  AddMemoHandler,
  EditMemoHandler,
  RegisterClientHandler,
  RequestClientMessageHandler,
  ChangeRelationshipHandler,
  MERGE_STEPS,
  MergeClientsHandler,
  UnmergeClientsHandler,
  ChangeClientDetailsHandler,
  ChangeClientFilesHandler,
  DefineClientFieldsHandler,
  EraseClientHandler,
  Erasures,
  GetErasureReportHandler,
  RemoveMemoHandler,
  UpdateClientProfileHandler,
} from '@clientele/clients';
import { GetClientHistoryHandler } from '@projections/audit';
import { FeedController } from './feed/feed.controller';
import { DATABASE } from '@clientele/database';
import { EVENT_STORE, PERSONAL_DATA_KEYS } from '@clientele/eventstore';
import { ProjectionRunner, ReadConsistency } from '@clientele/projector';
import type { Runtime } from '@clientele/runtime';
import { InvalidInput, type FieldError } from '@clientele/shared';
import {
  AddStaffMemberHandler,
  CreateStudioHandler,
  SetBookingPolicyHandler,
  IssueStaffTokenHandler,
  RevokeStaffTokenHandler,
} from '@clientele/staff';
import { GetProductHandler, ListProductsHandler } from '@projections/catalog';
import {
  GetActiveItemsHandler,
  GetBillHandler,
  GetPaymentHandler,
  GetClientBalancesHandler,
  GetClientCreditsHandler,
  ListClientBillsHandler,
  ListClientSalesHandler,
} from '@projections/client-accounts';
import {
  GetClientMemoHandler,
  GetClientProfileHandler,
  ListClientDocumentsHandler,
  ListClientMemosHandler,
  SearchClientsHandler,
  ListMergedClientsHandler,
} from '@projections/client-profiles';
import {
  AuthenticateTokenHandler,
  GetStudioHandler,
  ListStaffHandler,
} from '@projections/staff-directory';
import type { ValidationError } from 'class-validator';
import { AccountsController } from './accounts/accounts.controller';
import { SalesController } from './accounts/sales.controller';
import { PaymentMethodsController } from './accounts/payment-methods.controller';
import { ScheduleController } from './schedule/schedule.controller';
import { RosterController } from './schedule/roster.controller';
import { RecurringController } from './schedule/recurring.controller';
import { ProductsController } from './catalog/products.controller';
import { ClientsController } from './clients/clients.controller';
import { MemosController } from './clients/memos.controller';
import { HealthController } from './health/health.controller';
import { ADMIN_SECRET, AdminController, RUNTIME } from './internal/admin.controller';
import { AuthGuard } from './http/auth';
import { FailedAuthentications } from './http/failed-authentications';
import { IdempotencyInterceptor } from './http/idempotency.interceptor';
import { MergedClientGuard } from './http/merged-client.guard';
import { IdempotencyStore } from '@clientele/idempotency';
import { ProblemDetailsFilter } from './http/problem-details.filter';
import { ReadConsistencyInterceptor } from './http/read-consistency.interceptor';
import { StaffController } from './staff/staff.controller';
import { WebhooksController } from './payments/webhooks.controller';
import { ClientWaiversController, WaiversController } from './waivers/waivers.controller';
import { RelationshipsController } from './clients/relationships.controller';
import { MergesController } from './clients/merges.controller';
import { ClientDetailsController } from './clients/client-details.controller';
import { ClientFilesController } from './clients/client-files.controller';
import { ClientExportController } from './clients/export.controller';
import { ErasureController } from './clients/erasure.controller';
import { FILE_STORE, FileStore } from '@clientele/files';
import {
  CreateWaiverHandler,
  PublishWaiverVersionHandler,
  RequestSignatureHandler,
  SignWaiverHandler,
} from '@clientele/waivers';
import {
  GetClientWaiversHandler,
  GetWaiverHandler,
  ListClientSignaturesHandler,
  ListWaiversHandler,
} from '@projections/waivers';
import { ListClientRelationshipsHandler } from '@projections/relationships';
import { GetClientScreenHandler } from '@projections/client-screen';
import { ListClientNotificationsHandler } from '@clientele/notifications';
import { NotificationsController } from './clients/notifications.controller';
import { RunReportHandler } from '@projections/reports';
import { ReportsController } from './reports/reports.controller';
import { ImportsController } from './imports/imports.controller';

function fieldErrors(errors: ValidationError[], prefix = ''): FieldError[] {
  return errors.flatMap((error) => {
    const field = `${prefix}${error.property}`;
    const own = Object.values(error.constraints ?? {}).map((message) => ({ field, message }));
    return [...own, ...fieldErrors(error.children ?? [], `${field}.`)];
  });
}

export const validationPipe = new ValidationPipe({
  whitelist: true,
  forbidNonWhitelisted: true,
  transform: true,
  exceptionFactory: (errors) => new InvalidInput('The request is not valid.', fieldErrors(errors)),
});

@Module({})
export class AppModule {
  static forRuntime(runtime: Runtime, adminSecret: { value: string | null }): DynamicModule {
    return {
      module: AppModule,
      imports: [CqrsModule.forRoot()],
      controllers: [
        ClientsController,
        MemosController,
        AccountsController,
        SalesController,
        PaymentMethodsController,
        ScheduleController,
        RosterController,
        RecurringController,
        ProductsController,
        StaffController,
        HealthController,
        AdminController,
        WebhooksController,
        WaiversController,
        ClientWaiversController,
        RelationshipsController,
        MergesController,
        ClientDetailsController,
        ClientFilesController,
        ClientExportController,
        ErasureController,
        NotificationsController,
        FeedController,
        ReportsController,
        ImportsController,
      ],
      providers: [
        { provide: RUNTIME, useValue: runtime },
        { provide: ADMIN_SECRET, useValue: adminSecret },
        { provide: DATABASE, useValue: runtime.db },
        { provide: EVENT_STORE, useValue: runtime.store },
        { provide: MERGE_STEPS, useValue: [new AccountMergeStep(runtime.store)] },
        { provide: PERSONAL_DATA_KEYS, useValue: runtime.keys },
        { provide: ProjectionRunner, useValue: runtime.runner },
        {
          provide: ReadConsistency,
          useValue: new ReadConsistency(
            runtime.db,
            runtime.store,
            runtime.runner.names,
            runtime.config.readConsistencyTimeoutMs,
            runtime.config.projections === 'in-process' ? runtime.runner : undefined,
          ),
        },
        { provide: IdempotencyStore, useValue: new IdempotencyStore(runtime.db) },
        {
          provide: FailedAuthentications,
          useValue: new FailedAuthentications(
            runtime.config.authFailures.limit,
            runtime.config.authFailures.windowSeconds,
          ),
        },
        { provide: APP_PIPE, useValue: validationPipe },
        { provide: APP_FILTER, useClass: ProblemDetailsFilter },
        { provide: APP_GUARD, useClass: AuthGuard },
        { provide: APP_GUARD, useClass: MergedClientGuard },
        { provide: APP_INTERCEPTOR, useClass: ReadConsistencyInterceptor },
        { provide: APP_INTERCEPTOR, useClass: IdempotencyInterceptor },
        RegisterClientHandler,
        UpdateClientProfileHandler,
        GetClientHistoryHandler,
        AddMemoHandler,
        EditMemoHandler,
        RemoveMemoHandler,
        ListClientMemosHandler,
        GetClientMemoHandler,
        CreateStudioHandler,
        SetBookingPolicyHandler,
        AddStaffMemberHandler,
        IssueStaffTokenHandler,
        RevokeStaffTokenHandler,
        GetClientProfileHandler,
        GetClientScreenHandler,
        SearchClientsHandler,
        AuthenticateTokenHandler,
        GetStudioHandler,
        ListStaffHandler,
        CreateProductHandler,
        UpdateProductHandler,
        GetProductHandler,
        ListProductsHandler,
        IssueCreditsHandler,
        AdjustCreditGrantHandler,
        AdjustAccountCreditHandler,
        ChangePaymentSettingsHandler,
        GetClientCreditsHandler,
        GetClientBalancesHandler,
        SellProductsHandler,
        PayBillHandler,
        RefundPaymentHandler,
        GetPaymentHandler,
        ManagePaymentMethodsHandler,
        SavedPaymentMethodsOfHandler,
        ChangeMembershipHandler,
        GetBillHandler,
        ListClientBillsHandler,
        ListClientSalesHandler,
        GetActiveItemsHandler,
        CreateClassTypeHandler,
        ScheduleSessionHandler,
        EnrollClientHandler,
        CancelEnrollmentHandler,
        ForgivePenaltyHandler,
        InviteClientHandler,
        AcceptInvitationHandler,
        DeclineInvitationHandler,
        CheckInClientHandler,
        ListClassTypesHandler,
        ListSessionsHandler,
        GetSessionHandler,
        GetRosterHandler,
        ListClientRegistrationsHandler,
        ListClientBookingsHandler,
        { provide: PAYMENT_GATEWAY, useValue: runtime.gateway },
        { provide: SESSION_CALENDAR, useValue: sessionCalendar(runtime.db) },
        RegisterRecurringHandler,
        CreateWaiverHandler,
        PublishWaiverVersionHandler,
        SignWaiverHandler,
        RequestSignatureHandler,
        ListWaiversHandler,
        GetWaiverHandler,
        GetClientWaiversHandler,
        ListClientSignaturesHandler,
        ChangeRelationshipHandler,
        MergeClientsHandler,
        UnmergeClientsHandler,
        ListMergedClientsHandler,
        ListClientRelationshipsHandler,
        DefineClientFieldsHandler,
        ChangeClientDetailsHandler,
        ChangeClientFilesHandler,
        ListClientDocumentsHandler,
        { provide: FILE_STORE, useValue: new FileStore(runtime.db) },
        EndRecurringHandler,
        ListClientRecurringHandler,
        RequestClientMessageHandler,
        ListClientNotificationsHandler,
        Erasures,
        EraseClientHandler,
        GetErasureReportHandler,
        RunReportHandler,
      ],
    };
  }
}
